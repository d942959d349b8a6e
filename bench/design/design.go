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

	// session and whoami are the cookie case of the compatibility tests:
	// a result attribute set as a cookie (with its attributes) and payload
	// attributes read from cookies.
	Method("session", func() {
		Payload(func() {
			Attribute("user", String, "User name")
			Required("user")
		})
		Result(func() {
			Attribute("session", String, "Session id, in the bench_session cookie")
			Attribute("user", String, "User name")
			Required("session", "user")
		})
		HTTP(func() {
			POST("/session")
			Response(StatusOK, func() {
				Cookie("session:bench_session")
				CookieMaxAge(3600)
				CookiePath("/")
				CookieHTTPOnly()
				CookieSameSite(CookieSameSiteStrict)
			})
		})
	})

	Method("whoami", func() {
		Payload(func() {
			Attribute("session", String, "Session id")
			// A string: Goa v3.25.3 generates a client that does not compile
			// for a cookie of any other type.
			Attribute("theme", String, "Page theme", func() { Enum("light", "dark") })
			Required("session")
		})
		Result(String, "Who the session is, and the theme")
		HTTP(func() {
			GET("/whoami")
			Cookie("session:bench_session")
			Cookie("theme")
		})
	})
})
