package design

import . "duplex.dev/dsl"

var _ = API("chat", func() {
	Title("Chat")
	Version("1.0")
})

var BasicAuth = BasicAuthSecurity("basic")
var JWTAuth = JWTSecurity("jwt", func() { Scope("stream:read"); Scope("stream:write") })

var Event = ResultType("application/vnd.chat.event", func() {
	TypeName("Event")
	Attributes(func() {
		Attribute("message", String, func() { MaxLength(1024) })
		Attribute("action", String, func() { Enum("join", "leave", "message") })
		Attribute("timestamp", String, func() { Format(FormatDateTime) })
		Required("message", "action", "timestamp")
	})
	View("default", func() { Attribute("message"); Attribute("action"); Attribute("timestamp") })
	View("tiny", func() { Attribute("message") })
})

var _ = Service("chat", func() {
	Error("unauthorized", String)
	Method("login", func() {
		Security(BasicAuth)
		Payload(func() { Username("user", String); Password("password", String); Required("user", "password") })
		Result(String)
		HTTP(func() { POST("/login"); Response("unauthorized", StatusUnauthorized) })
	})
	Method("listener", func() {
		NoSecurity()
		StreamingPayload(func() { Attribute("message", String); Required("message") })
		HTTP(func() { GET("/listener") })
	})
	Method("count", func() {
		Security(JWTAuth)
		Payload(func() { Token("token", String); Required("token") })
		StreamingPayload(Int)
		Result(Int)
		HTTP(func() { GET("/count"); Param("token") })
	})
	Method("subscribe", func() {
		Security(JWTAuth)
		Payload(func() { Token("token", String); Attribute("room", String); Required("token") })
		StreamingResult(Event)
		HTTP(func() { GET("/subscribe/{room}"); Param("token") })
	})
	Method("echo", func() {
		NoSecurity()
		StreamingPayload(String)
		StreamingResult(String)
		HTTP(func() { GET("/echo") })
	})
})
