package design_test

import (
	"slices"
	"testing"

	"go.uber.org/goleak"

	_ "duplex.dev/dsl/internal/goaref/design"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGoaDesignEvaluates(t *testing.T) {
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL:\n%v", err)
	}
	svc := expr.Root.Service("chat")
	hs := expr.Root.API.HTTP.Service("chat")
	if svc == nil || hs == nil {
		t.Fatal("service chat or its HTTP mapping is missing")
	}
	if expr.Root.API.Title != "Chat" || expr.Root.API.Version != "1.0" {
		t.Errorf("API %+v", expr.Root.API)
	}

	login := svc.Method("login")
	if len(login.Requirements) != 1 || login.Requirements[0].Schemes[0].Kind != expr.BasicAuthKind {
		t.Error("login is not secured by basic auth")
	}
	if he := hs.Endpoint("login").HTTPErrors; len(he) != 1 || he[0].Response.StatusCode != 401 {
		t.Errorf("login error responses %+v, want unauthorized -> 401", he)
	}

	count := svc.Method("count")
	if count.Stream != expr.ClientStreamKind || count.Result.Type != expr.Int || count.StreamingPayload.Type != expr.Int {
		t.Errorf("count: stream %s, result %s, streaming payload %s", count.Stream, count.Result.Type.Name(), count.StreamingPayload.Type.Name())
	}

	sub := hs.Endpoint("subscribe")
	if pp := sub.PathParams().Object().Names(); !slices.Equal(pp, []string{"room"}) {
		t.Errorf("subscribe path params %v, want [room]", pp)
	}
	if qp := sub.QueryParams().Object().Names(); !slices.Equal(qp, []string{"token"}) {
		t.Errorf("subscribe query params %v, want [token]", qp)
	}
	if s := svc.Method("subscribe").Requirements[0].Schemes[0]; s.Kind != expr.JWTKind || len(s.Scopes) != 2 {
		t.Errorf("subscribe scheme %+v, want JWT with two scopes", s)
	}
	event, ok := svc.Method("subscribe").Result.Type.(*expr.ResultTypeExpr)
	if !ok || event.TypeName != "Event" {
		t.Fatalf("subscribe result %v, want the Event result type", svc.Method("subscribe").Result.Type)
	}
	if event.View("tiny") == nil || event.View("default") == nil || len(event.Views) != 2 {
		t.Errorf("Event views %d, want default and tiny", len(event.Views))
	}
	if action := event.Find("action"); action == nil || len(action.Validation.Values) != 3 {
		t.Error("Event.action has no Enum")
	}
	if ts := event.Find("timestamp"); ts == nil || ts.Validation.Format != expr.FormatDateTime {
		t.Error("Event.timestamp has no date-time format")
	}
	if echo := svc.Method("echo"); echo.Stream != expr.BidirectionalStreamKind || len(echo.Requirements) != 0 {
		t.Errorf("echo: stream %s, %d requirements", echo.Stream, len(echo.Requirements))
	}
	for _, ep := range hs.Endpoints {
		if ep.MethodExpr.IsStreaming() && (ep.Routes[0].Method != "GET" || ep.WebSocket == nil) {
			t.Errorf("streaming endpoint %s: %s, WebSocket %v", ep.Name(), ep.Routes[0].Method, ep.WebSocket)
		}
	}
}
