// Package design is the design of the end-to-end test: a unary method and
// the three streaming patterns, with JWT security, query parameters, a
// result type with views and a validated streamed message.
package design

import . "duplex.dev/dsl"

var _ = API("e2e", func() {
	Title("End-to-end test API")
	Version("1.0")
})

// JWTAuth secures the ticks stream.
var JWTAuth = JWTSecurity("jwt", func() {
	Scope("ticks:read")
})

// Note is a streamed result with a tiny view.
var Note = ResultType("application/vnd.e2e.note", func() {
	TypeName("Note")
	Attributes(func() {
		Attribute("text", String)
		Attribute("author", String)
		Attribute("seq", Int)
		Required("text", "author", "seq")
	})
	View("default", func() {
		Attribute("text")
		Attribute("author")
		Attribute("seq")
	})
	View("tiny", func() {
		Attribute("text")
	})
})

var _ = Service("e2e", func() {
	Error("unauthorized", String, "credentials are missing or invalid")
	HTTP(func() {
		Response("unauthorized", StatusUnauthorized)
	})

	Method("add", func() {
		Payload(func() {
			Attribute("a", Int)
			Attribute("b", Int)
			Required("a", "b")
		})
		Result(Int)
		HTTP(func() {
			POST("/add")
		})
	})

	Method("sum", func() {
		StreamingPayload(func() {
			Attribute("n", Int)
			Required("n")
		})
		Result(Int)
		HTTP(func() {
			GET("/sum")
		})
	})

	Method("ticks", func() {
		Security(JWTAuth, func() {
			Scope("ticks:read")
		})
		Payload(func() {
			Token("token", String)
			Attribute("count", Int, func() {
				Minimum(0)
				Maximum(100)
			})
			Attribute("view", String, func() {
				Enum("default", "tiny")
			})
			Required("token")
		})
		StreamingResult(Note)
		HTTP(func() {
			GET("/ticks")
			Param("token")
			Param("count")
			Param("view")
		})
	})

	Method("echo", func() {
		StreamingPayload(func() {
			Attribute("message", String, func() {
				MaxLength(20)
			})
			Required("message")
		})
		StreamingResult(func() {
			Attribute("message", String)
			Required("message")
		})
		HTTP(func() {
			GET("/echo")
			WebSocket(func() {
				ReadLimit(64 << 10)
				SendQueue(64, Disconnect)
				Resumable()
			})
		})
	})

	Method("tag", func() {
		Payload(func() {
			Attribute("id", Int)
			Attribute("label", String, func() {
				MinLength(1)
			})
			Attribute("trace", String)
			Required("id", "label")
		})
		Result(String)
		HTTP(func() {
			POST("/notes/{id}/tags")
			Header("trace:X-Trace")
		})
	})
})
