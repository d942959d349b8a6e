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

// The intercept service is the compatibility case for interceptors and for
// a view other than the default on a stream; the benchmark does not use it.
// Interceptor names are capitalised: Goa's generator (v3.25) names its
// wrapper functions after the Go name in one file and the design name in
// another, so a lower-case name does not compile with Goa.

// Zeta, Alpha and Mid each append their name to the trail of a say request:
// the trail shows the order Goa runs a method's interceptors in (by name,
// the last name first), whatever order the design lists them in.
var Zeta = Interceptor("Zeta", func() {
	ReadPayload(func() { Attribute("trail") })
	WritePayload(func() { Attribute("trail") })
})

var Alpha = Interceptor("Alpha", func() {
	ReadPayload(func() { Attribute("trail") })
	WritePayload(func() { Attribute("trail") })
})

var Mid = Interceptor("Mid", func() {
	ReadPayload(func() { Attribute("trail") })
	WritePayload(func() { Attribute("trail") })
	ReadResult(func() { Attribute("trail") })
	WriteResult(func() { Attribute("note") })
})

// Guard rejects a request whose text is "reject".
var Guard = Interceptor("Guard", func() {
	ReadPayload(func() { Attribute("text") })
})

// Audit runs on every message of a chat stream: it rejects a message whose
// text is "reject" and notes on every result how many messages it saw.
var Audit = Interceptor("Audit", func() {
	ReadPayload(func() { Attribute("room") })
	ReadStreamingPayload(func() { Attribute("text") })
	WriteStreamingResult(func() { Attribute("note") })
})

// Tap is a client interceptor that sees every message of a chat stream in
// both directions.
var Tap = Interceptor("Tap", func() {
	ReadStreamingPayload(func() { Attribute("text") })
	ReadStreamingResult(func() { Attribute("seq") })
})

// Calls counts the calls of every method of the service.
var Calls = Interceptor("Calls")

// Note is streamed by watch in the view the server picks.
var Note = ResultType("application/vnd.bench.note", func() {
	TypeName("Note")
	Attributes(func() {
		Attribute("id", Int, "Identifier")
		Attribute("text", String, "Content")
		Attribute("detail", String, "More content")
		Required("id", "text", "detail")
	})
	View("default", func() {
		Attribute("id")
		Attribute("text")
		Attribute("detail")
	})
	View("tiny", func() {
		Attribute("id")
	})
})

var _ = Service("intercept", func() {
	Description("Interceptors and stream views, for the compatibility tests.")
	ServerInterceptor(Calls)
	Error("rejected", String, "An interceptor refused the request.")
	HTTP(func() {
		Path("/intercept")
		Response("rejected", StatusForbidden)
	})

	Method("say", func() {
		ServerInterceptor(Zeta, Alpha, Mid, Guard)
		ClientInterceptor(Mid)
		Payload(func() {
			Attribute("text", String, "What to say")
			Attribute("trail", ArrayOf(String), "Who handled the request")
			Required("text")
		})
		Result(func() {
			Attribute("trail", ArrayOf(String), "Who handled the request")
			Attribute("note", String, "Set by the mid interceptor")
		})
		HTTP(func() {
			POST("/say")
		})
	})

	Method("chat", func() {
		ServerInterceptor(Audit)
		ClientInterceptor(Tap)
		Payload(func() {
			Attribute("room", String, "Room name")
		})
		StreamingPayload(func() {
			Attribute("text", String, "Message")
			Required("text")
		})
		StreamingResult(func() {
			Attribute("text", String, "Echoed message")
			Attribute("seq", Int, "Position of the message in the stream")
			Attribute("note", String, "Set by the audit interceptor")
			Required("text", "seq")
		})
		HTTP(func() {
			GET("/chat")
			Param("room")
		})
	})

	// watch streams count notes in the view the server picks with SetView
	// ("tiny" unless view says otherwise).
	Method("watch", func() {
		Payload(func() {
			Attribute("count", Int, "Number of notes", func() { Default(2) })
			Attribute("view", String, "View the server picks", func() { Default("tiny") })
		})
		StreamingResult(Note)
		HTTP(func() {
			GET("/watch")
			Param("count")
			Param("view")
		})
	})
})
