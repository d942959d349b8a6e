package gentest

import . "duplex.dev/dsl"

// Unions is a design whose values are unions (OneOf), shared by the
// generators' tests: a chat event stream whose events are a message, a
// join, a leave or a typing flag (a primitive variant), both ways on one
// WebSocket, and a unary method whose payload and result carry a union with
// renamed JSON keys and an optional union.
func Unions() {
	API("unions", func() {
		Title("Unions")
		Version("1.0")
	})
	message := Type("Message", func() {
		Attribute("text", String, func() { MinLength(1); MaxLength(280) })
		Required("text")
	})
	join := Type("Join", func() {
		Attribute("user", String, func() { Pattern("^[a-z]+$") })
		Required("user")
	})
	event := Type("ChatEvent", func() {
		Description("ChatEvent is one event of a room.")
		Attribute("room", String)
		OneOf("event", "What happened in the room.", func() {
			Attribute("message", message)
			Attribute("join", join)
			Attribute("leave", func() {
				Attribute("user", String)
				Attribute("reason", String)
				Required("user")
			})
			Attribute("typing", Boolean)
		})
		Required("room", "event")
	})
	Service("room", func() {
		Method("events", func() {
			Payload(func() {
				Attribute("room", String)
				Required("room")
			})
			StreamingPayload(event)
			StreamingResult(event)
			HTTP(func() {
				GET("/rooms/{room}/events")
			})
		})
		Method("post", func() {
			Payload(func() {
				Attribute("room", String)
				OneOf("content", func() {
					Meta("oneof:type:field", "kind")
					Meta("oneof:value:field", "data")
					Attribute("text", String, func() { MinLength(1) })
					Attribute("message", message)
				})
				OneOf("mood", func() {
					Attribute("happy", Boolean)
					Attribute("score", Int, func() { Minimum(0) })
				})
				Required("room", "content")
			})
			Result(event)
			HTTP(func() {
				POST("/rooms/{room}")
			})
		})
	})
}
