package httpgen

import (
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/codegen/internal/gentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtureChat is the chat service of the guide as the templates see it, with
// a unary method carrying path and query parameters added. It pins what the
// templates write for every streaming pattern independently of the design
// model.
func fixtureChat() *serviceData {
	return &serviceData{
		Name: "chat", GoName: "Chat", PkgName: "chat", ImportPath: "example.com/chat/gen/chat",
		ClientPath: "example.com/chat/gen/http/chat/client", APIName: "chat",
		Methods: []*methodData{
			{Name: "login", GoName: "Login", Verb: "POST", Pattern: "/login", PayloadRef: "*chat.LoginPayload", PayloadType: "chat.LoginPayload", PayloadObj: true,
				Basic: &basicData{UserName: "user", PasswordName: "password", User: "User", Password: "Password"}, ResultRef: "string", ResultType: "string", SuccessStatus: "http.StatusOK",
				Statuses: []*statusData{{"unauthorized", "http.StatusUnauthorized"}}},
			{Name: "history", GoName: "History", Verb: "GET", Pattern: "/rooms/{room}/history", PayloadRef: "*chat.HistoryPayload", PayloadType: "chat.HistoryPayload", PayloadObj: true,
				Params:    []*paramData{{Name: "room", AttrName: "room", Field: "Room", Source: "transport.Path", GoType: "string", Required: true}, {Name: "limit", AttrName: "limit", Field: "Limit", Source: "transport.Query", GoType: "int", Pointer: true}},
				PathArgs:  []*paramData{{Name: "room", AttrName: "room", Field: "Room", Source: "transport.Path", GoType: "string", Required: true}},
				ResultRef: "[]*chat.Event", ResultType: "[]*chat.Event", SuccessStatus: "http.StatusOK", ValidatePayload: "chat.ValidateHistoryPayload"},
			{Name: "count", GoName: "Count", Verb: "GET", Pattern: "/count", Stream: clientStream, PayloadRef: "*chat.CountPayload", PayloadType: "chat.CountPayload", PayloadObj: true,
				Tokens: []*tokenData{{Name: "token", Field: "Token", Query: "token"}}, StreamPayloadRef: "int", StreamPayloadType: "int", ValidateStream: "nil",
				StreamResultRef: "int", StreamResultType: "int", Statuses: []*statusData{{"unauthorized", "http.StatusUnauthorized"}}},
			{Name: "subscribe", GoName: "Subscribe", Verb: "GET", Pattern: "/subscribe", Stream: serverStream, PayloadRef: "*chat.SubscribePayload", PayloadType: "chat.SubscribePayload", PayloadObj: true,
				Tokens:          []*tokenData{{Name: "token", Field: "Token", Query: "token"}},
				StreamResultRef: "*chat.Event", StreamResultType: "chat.Event", StreamResultPtr: true, ViewedFn: "chat.NewViewedEvent", DefaultView: "default", WSConfig: []string{"ReadLimit: 1024", `Subprotocols: []string{"chat.v1"}`, "HeartbeatInterval: 10 * time.Second", "HeartbeatTimeout: 30 * time.Second"},
				DialSubprotocols: []string{`"chat.v1"`}},
			{Name: "echo", GoName: "Echo", Verb: "GET", Pattern: "/echo", Stream: bidiStream, StreamPayloadRef: "*chat.EchoStreamingPayload", StreamPayloadType: "chat.EchoStreamingPayload", StreamPayloadPtr: true, ValidateStream: "chat.ValidateEchoStreamingPayload",
				StreamResultRef: "*chat.EchoResult", StreamResultType: "chat.EchoResult", StreamResultPtr: true},
		},
	}
}

func TestTemplatesMatchGoldenFiles(t *testing.T) {
	s := fixtureChat()
	for _, m := range s.Methods {
		m.Routes = []*routeData{{m.Verb, m.Pattern}}
	}
	// A second route for history, as Goa allows.
	s.Methods[1].Routes = append(s.Methods[1].Routes, &routeData{"GET", "/history/{room}"})
	files, err := serviceFiles(s)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := cliFile("chat", []*serviceData{s})
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/fixture", append(files, cli))
}

func TestPathExpression(t *testing.T) {
	cases := []struct{ pattern, want string }{
		{"/echo", `"/echo"`},
		{"/rooms/{room}/history", `"/rooms/" + transport.PathParam(room) + "/history"`},
		{"/a/{x}/{y_id}", `"/a/" + transport.PathParam(x) + "/" + transport.PathParam(yID)`},
		{"/files/{path...}", `"/files/" + transport.PathParam(path)`},
	}
	for _, tc := range cases {
		if got := pathExpr(&methodData{Pattern: tc.pattern}); got != tc.want {
			t.Errorf("pathExpr(%q) = %s, want %s", tc.pattern, got, tc.want)
		}
	}
}
