package design_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/eval"
	_ "duplex.dev/examples/chat/design"
	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// evaluate runs the design once for all tests of the package.
func evaluate(t *testing.T) (*expr.ServiceExpr, *expr.HTTPServiceExpr) {
	t.Helper()
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL:\n%v", err)
	}
	svc := expr.Root.Service("chat")
	hs := expr.Root.API.HTTP.Service("chat")
	if svc == nil || hs == nil {
		t.Fatal("service chat or its HTTP mapping is missing")
	}
	return svc, hs
}

func schemeNames(m *expr.MethodExpr) []string {
	var names []string
	for _, r := range m.Requirements {
		for _, s := range r.Schemes {
			names = append(names, s.SchemeName)
		}
	}
	return names
}

func TestChatMethods(t *testing.T) {
	svc, hs := evaluate(t)
	cases := []struct {
		method, verb, path string
		stream             expr.StreamKind
		schemes            []string
		params, headers    []string
		cookies            []string
	}{
		{"login", "POST", "/login", expr.NoStreamKind, []string{"basic"}, nil, nil, nil},
		{"listener", "GET", "/listen", expr.ClientStreamKind, []string{"jwt"}, []string{"token"}, nil, []string{"token"}},
		{"subscribe", "GET", "/subscribe", expr.ServerStreamKind, []string{"jwt"}, []string{"token"}, nil, []string{"token"}},
		{"echo", "GET", "/echo", expr.BidirectionalStreamKind, nil, nil, nil, nil},
		{"join", "GET", "/rooms/{room}", expr.ServerStreamKind, []string{"jwt"}, []string{"token", "after", "room"}, nil, []string{"token"}},
		{"send", "POST", "/rooms/{room}/messages", expr.NoStreamKind, []string{"jwt"}, []string{"room"}, []string{"token"}, []string{"token"}},
		{"history", "GET", "/rooms/{room}/history", expr.NoStreamKind, []string{"jwt"}, []string{"after", "limit", "room"}, []string{"token"}, []string{"token"}},
		{"analytics", "GET", "/analytics", expr.ServerStreamKind, []string{"jwt"}, []string{"token", "view"}, nil, []string{"token"}},
		{"session", "POST", "/session", expr.NoStreamKind, []string{"basic"}, nil, nil, nil},
	}
	if len(svc.Methods) != len(cases) {
		t.Errorf("%d methods, want %d", len(svc.Methods), len(cases))
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			m := svc.Method(c.method)
			ep := hs.Endpoint(c.method)
			if m == nil || ep == nil {
				t.Fatal("method or endpoint missing")
			}
			if r := ep.Routes[0]; r.Method != c.verb || r.FullPath() != c.path {
				t.Errorf("route %s %s, want %s %s", r.Method, r.FullPath(), c.verb, c.path)
			}
			if m.Stream != c.stream {
				t.Errorf("stream %s, want %s", m.Stream, c.stream)
			}
			if got := schemeNames(m); !slices.Equal(got, c.schemes) {
				t.Errorf("security %v, want %v", got, c.schemes)
			}
			if got := ep.Params.Object().Names(); !slices.Equal(got, c.params) {
				t.Errorf("params %v, want %v", got, c.params)
			}
			if got := ep.Headers.Object().Names(); !slices.Equal(got, c.headers) {
				t.Errorf("headers %v, want %v", got, c.headers)
			}
			if got := ep.Cookies.Object().Names(); !slices.Equal(got, c.cookies) {
				t.Errorf("cookies %v, want %v", got, c.cookies)
			}
			if m.IsStreaming() != (ep.WebSocket != nil) {
				t.Errorf("WebSocket settings %v for a %s method", ep.WebSocket, m.Stream)
			}
			want := []string{"unauthorized 401"}
			if slices.Contains(c.params, "room") {
				want = []string{"forbidden 403", "unauthorized 401"} // reserved rooms
			}
			var got []string
			for _, e := range ep.HTTPErrors {
				got = append(got, fmt.Sprint(e.Name, " ", e.Response.StatusCode))
			}
			if !slices.Equal(got, want) {
				t.Errorf("error responses %v, want %v", got, want)
			}
		})
	}
}

// TestEveryRoomIsValidatedTheSameWay: join, send and history take the
// room in their path and must refuse the same names (one definition in
// the design, roomAttribute).
func TestEveryRoomIsValidatedTheSameWay(t *testing.T) {
	svc, _ := evaluate(t)
	var first *expr.ValidationExpr
	for _, name := range []string{"join", "send", "history"} {
		room := expr.AsObject(svc.Method(name).Payload.Type).Attribute("room")
		if room == nil || room.Validation == nil || room.Validation.Pattern == "" || room.Validation.MaxLength == nil {
			t.Fatalf("%s: room %+v has no pattern and max length", name, room)
		}
		if first == nil {
			first = room.Validation
			continue
		}
		if room.Validation.Pattern != first.Pattern || *room.Validation.MaxLength != *first.MaxLength {
			t.Errorf("%s validates room with %q/%d, join with %q/%d", name,
				room.Validation.Pattern, *room.Validation.MaxLength, first.Pattern, *first.MaxLength)
		}
	}
}

func TestChatHTTPDetails(t *testing.T) {
	svc, hs := evaluate(t)

	login := hs.Endpoint("login")
	if login.Body != nil {
		t.Errorf("login body %v: user and password travel in basic auth", login.Body.Type.Name())
	}
	if svc.Method("login").Result.Type != expr.String {
		t.Error("login does not return a String JWT")
	}

	send := hs.Endpoint("send")
	if send.Headers.ElemName("token") != "Authorization" {
		t.Errorf("send token header %q, want Authorization", send.Headers.ElemName("token"))
	}
	if send.Body == nil || !slices.Equal(expr.AsObject(send.Body.Type).Names(), []string{"text"}) {
		t.Errorf("send body %+v, want the text attribute only", send.Body)
	}
	if r := send.Responses; len(r) != 1 || r[0].StatusCode != 201 || r[0].Body.Type.Name() != "Message" {
		t.Errorf("send responses %+v, want 201 with a Message", r)
	}
	msg := expr.Root.UserType("Message").(*expr.ResultTypeExpr)
	if text := msg.Find("text"); text == nil || *text.Validation.MaxLength != 4096 {
		t.Error("Message.text has no MaxLength 4096")
	}
	if ts := msg.Find("timestamp"); ts == nil || ts.Validation.Format != expr.FormatDateTime {
		t.Error("Message.timestamp is not a date-time")
	}
	if seq := msg.Find("sequence"); seq == nil || seq.Type != expr.Int64 {
		t.Error("Message.sequence is not an Int64")
	}

	history := hs.Endpoint("history")
	limit := history.Params.Find("limit")
	if limit == nil || limit.DefaultValue != 50 || *limit.Validation.Maximum != 500 || limit.Type != expr.Int {
		t.Errorf("history limit %+v, want Int, Default 50, Maximum 500", limit)
	}
	if after := history.Params.Find("after"); after == nil || after.Type != expr.Int64 {
		t.Error("history after is not an Int64 param")
	}
	if history.Body != nil {
		t.Error("history has a request body")
	}
	coll, ok := svc.Method("history").Result.Type.(*expr.ResultTypeExpr)
	if !ok || expr.AsArray(coll) == nil || coll.View("default") == nil {
		t.Errorf("history result %v, want a collection of messages with a default view", svc.Method("history").Result.Type)
	}

	join := hs.Endpoint("join").WebSocket
	if !join.Resumable || !slices.Equal(join.Subprotocols, []string{"chat.v1"}) || join.SendQueue != 1024 || join.SlowConsumer != expr.SlowConsumerDropOldest {
		t.Errorf("join WebSocket %+v", *join)
	}
	if join.ReadLimit != expr.DefaultReadLimit || join.HeartbeatInterval != expr.DefaultHeartbeatInterval {
		t.Errorf("join WebSocket defaults not filled: %+v", *join)
	}
	if sub := hs.Endpoint("subscribe").WebSocket; sub.HeartbeatInterval != 15*time.Second || sub.HeartbeatTimeout != 45*time.Second {
		t.Errorf("subscribe heartbeat %s/%s", sub.HeartbeatInterval, sub.HeartbeatTimeout)
	}

	analytics, ok := svc.Method("analytics").Result.Type.(*expr.ResultTypeExpr)
	if !ok {
		t.Fatal("analytics does not stream a result type")
	}
	var views []string
	for _, v := range analytics.Views {
		views = append(views, v.Name)
	}
	if !slices.Equal(views, []string{"summary", "detailed", "full", "default"}) {
		t.Errorf("analytics views %v", views)
	}
	if names := expr.AsObject(analytics.View("summary").Type).Names(); !slices.Equal(names, []string{"timestamp", "connections", "rooms"}) {
		t.Errorf("summary view attributes %v", names)
	}
	view := hs.Endpoint("analytics").Params.Find("view")
	if view == nil || len(view.Validation.Values) != 3 {
		t.Error("analytics view param has no Enum")
	}
}
