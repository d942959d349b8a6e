package service_test

import (
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// chatDSL declares Goa's chat design (testdata/goa/design.go) with Duplex's
// DSL and runs it.
func chatDSL(t *testing.T) *expr.RootExpr {
	t.Helper()
	eval.Reset()
	API("chat", func() {
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
	Service("chat", func() {
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
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("design: %v", err)
	}
	return expr.Root
}

func TestDSLDesignGeneratesTheGoldenFiles(t *testing.T) {
	files, err := service.Files("goaref/gen", chatDSL(t))
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/chat", files)
}
