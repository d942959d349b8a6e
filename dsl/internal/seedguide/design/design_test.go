package design_test

import (
	"testing"

	"go.uber.org/goleak"

	_ "duplex.dev/dsl/internal/seedguide/design"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGuideMethodsEvaluate(t *testing.T) {
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL:\n%v", err)
	}
	svc := expr.Root.Service("stream")
	hs := expr.Root.API.HTTP.Service("stream")
	if svc == nil || hs == nil {
		t.Fatal("service stream or its HTTP mapping is missing")
	}
	cases := []struct {
		method string
		stream expr.StreamKind
		path   string
	}{
		{"listener", expr.ClientStreamKind, "/listen"},
		{"subscribe", expr.ServerStreamKind, "/subscribe"},
		{"echo", expr.BidirectionalStreamKind, "/echo"},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			m := svc.Method(c.method)
			if m == nil {
				t.Fatalf("method %q missing", c.method)
			}
			if m.Stream != c.stream {
				t.Errorf("stream kind = %s, want %s", m.Stream, c.stream)
			}
			ep := hs.Endpoint(c.method)
			if ep == nil || len(ep.Routes) != 1 {
				t.Fatalf("endpoint of %q has no single route", c.method)
			}
			if r := ep.Routes[0]; r.Method != "GET" || r.FullPath() != c.path {
				t.Errorf("route = %s %s, want GET %s", r.Method, r.FullPath(), c.path)
			}
			if ep.WebSocket == nil || ep.WebSocket.ReadLimit != expr.DefaultReadLimit {
				t.Errorf("WebSocket defaults not filled: %+v", ep.WebSocket)
			}
			if !expr.IsEmpty(m.Payload.Type) {
				t.Errorf("payload = %s, want Empty", m.Payload.Type.Name())
			}
		})
	}
	msg := svc.Method("echo").StreamingPayload.Find("message")
	if msg == nil || msg.Meta["rpc:tag"][0] != "1" || msg.Description != "エコーするメッセージ" {
		t.Errorf("echo streaming payload message = %+v, want Field(1, ...) with its description", msg)
	}
	if !svc.Method("subscribe").Result.IsRequired("timestamp") {
		t.Error("subscribe result: timestamp is not required")
	}
}
