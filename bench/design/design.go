package design

import . "goa.design/goa/v3/dsl"

var _ = API("bench", func() {
	Title("Duplex benchmark service")
	Description("The guide's three streaming patterns and a room broadcast, used to compare frameworks.")
	Version("1.0")
	Server("bench", func() {
		Host("localhost", func() { URI("http://127.0.0.1:8080") })
	})
})

// Event is what subscribe and join stream to the client (the guide's subscribe result).
var Event = Type("Event", func() {
	Field(1, "message", String, "Update content")
	Field(2, "action", String, "Action type", func() { Enum("join", "leave", "message") })
	Field(3, "timestamp", String, "When it happened", func() { Format(FormatDateTime) })
	Required("message", "action", "timestamp")
})

// RoomActivity is what relay and post_activity carry: one thing that
// happened in a room, of several kinds (a OneOf union on the wire as
// {"type": "<kind>", "value": ...}).
var RoomActivity = Type("RoomActivity", func() {
	Attribute("room", String, "Room name")
	OneOf("activity", "What happened", func() {
		Attribute("message", Said)
		Attribute("join", Joined)
		Attribute("typing", Boolean)
	})
	Required("room", "activity")
})

// Said is the "message" kind of RoomActivity.
var Said = Type("Said", func() {
	Attribute("text", String, func() { MinLength(1) })
	Required("text")
})

// Joined is the "join" kind of RoomActivity. It has no validation: with
// Required("user") here, the client package Goa v3.25.3 generates calls
// ValidateJoinedRequestBody and ValidateJoinedStreamingBody, which it does
// not generate, and does not build.
var Joined = Type("Joined", func() {
	Attribute("user", String)
})

var _ = Service("bench", func() {
	Description("Streaming endpoints measured by the harness.")

	// listener keeps the guide's streaming payload; the Int result (messages
	// received) is added so that the load client can check nothing was lost.
	Method("listener", func() {
		StreamingPayload(func() {
			Field(1, "message", String, "Message content")
			Required("message")
		})
		Result(Int)
		HTTP(func() {
			GET("/listen")
		})
	})

	// subscribe is the guide's server→client stream; count says how many
	// events to send before the server closes the stream.
	Method("subscribe", func() {
		Payload(func() {
			Attribute("count", Int, "Number of events to send", func() {
				Minimum(0)
				Default(1)
			})
		})
		StreamingResult(Event)
		HTTP(func() {
			GET("/subscribe")
			Param("count")
		})
	})

	// echo is the guide's bidirectional stream.
	Method("echo", func() {
		StreamingPayload(func() {
			Field(1, "message", String, "Message to echo")
			Required("message")
		})
		StreamingResult(func() {
			Field(1, "message", String, "Echoed message")
			Required("message")
		})
		HTTP(func() {
			GET("/echo")
		})
	})

	// join subscribes the caller to a room: the first event (action "join")
	// confirms the membership, then every published message follows.
	Method("join", func() {
		Payload(func() {
			Attribute("room", String, "Room name")
			Required("room")
		})
		StreamingResult(Event)
		HTTP(func() {
			GET("/rooms/{room}")
		})
	})

	// relay echoes every RoomActivity it receives (a union on a
	// bidirectional stream).
	Method("relay", func() {
		StreamingPayload(RoomActivity)
		StreamingResult(RoomActivity)
		HTTP(func() {
			GET("/relay")
		})
	})

	// post_activity returns the RoomActivity it is given (a union in a
	// unary body).
	Method("post_activity", func() {
		Payload(RoomActivity)
		Result(RoomActivity)
		HTTP(func() {
			POST("/activity")
		})
	})

	// publish sends one message to every member of a room.
	Method("publish", func() {
		Payload(func() {
			Attribute("room", String, "Room name")
			Attribute("message", String, "Message content")
			Required("room", "message")
		})
		Result(Int, "Number of members the message was queued for")
		HTTP(func() {
			POST("/rooms/{room}")
			Body(func() { Attribute("message") })
			Response(StatusOK)
		})
	})
})
