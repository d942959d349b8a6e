package chatapi

// This test runs in the throwaway module of TestGoaImplementationCompiles,
// next to Goa's implementation scaffold, against the generated package.

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	duplex "duplex.dev"
	"duplex.dev/security"
	chat "goaref/gen/chat"
)

// authSvc wraps the scaffold with authorization functions that record the
// scheme they were given.
type authSvc struct {
	chat.Service
	basic *security.BasicScheme
	jwt   *security.JWTScheme
	user  string
	token string
}

func (s *authSvc) BasicAuth(ctx context.Context, user, pass string, sc *security.BasicScheme) (context.Context, error) {
	s.basic, s.user = sc, user+":"+pass
	return ctx, chat.Unauthorized("bad password")
}

func (s *authSvc) JWTAuth(ctx context.Context, token string, sc *security.JWTScheme) (context.Context, error) {
	s.jwt, s.token = sc, token
	return ctx, nil
}

type countStream struct {
	chat.CountServerStream
}

func TestEndpointsAuthorizeWithTheDesignSchemes(t *testing.T) {
	s := &authSvc{Service: NewChat()}
	e := chat.NewEndpoints(s)
	_, err := e.Login(context.Background(), &chat.LoginPayload{User: "ann", Password: "pw"})
	var u chat.Unauthorized
	if !errors.As(err, &u) || u.GoaErrorName() != "unauthorized" || err.Error() != "bad password" {
		t.Fatalf("Login error = %v, want the Unauthorized returned by BasicAuth", err)
	}
	if s.user != "ann:pw" || s.basic == nil || s.basic.Name != "basic" {
		t.Errorf("BasicAuth got user %q scheme %+v", s.user, s.basic)
	}
	_, err = e.Count(context.Background(), &chat.CountEndpointInput{Payload: &chat.CountPayload{Token: "tok"}, Stream: countStream{}})
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	if s.token != "tok" || s.jwt == nil || s.jwt.Name != "jwt" || strings.Join(s.jwt.Scopes, " ") != "stream:read stream:write" {
		t.Errorf("JWTAuth got token %q scheme %+v", s.token, s.jwt)
	}
}

func TestEndpointsUseWrapsEveryEndpoint(t *testing.T) {
	e := chat.NewEndpoints(&authSvc{Service: NewChat()})
	n := 0
	e.Use(func(next duplex.Endpoint) duplex.Endpoint { n++; return next })
	if n != len(chat.MethodNames) {
		t.Errorf("Use wrapped %d endpoints, want %d", n, len(chat.MethodNames))
	}
}

func TestClientCallsItsEndpoints(t *testing.T) {
	var got any
	ep := func(_ context.Context, req any) (any, error) { got = req; return "welcome", nil }
	c := chat.NewClient(ep, nil, nil, nil, nil)
	p := &chat.LoginPayload{User: "ann"}
	res, err := c.Login(context.Background(), p)
	if err != nil || res != "welcome" || got != p {
		t.Errorf("Login = %q, %v (endpoint got %v)", res, err, got)
	}
}

func TestValidateEventReportsEveryViolation(t *testing.T) {
	if err := chat.ValidateEvent(&chat.Event{Message: "hi", Action: "join", Timestamp: "2024-01-02T03:04:05Z"}); err != nil {
		t.Errorf("valid event: %v", err)
	}
	err := chat.ValidateEvent(&chat.Event{Message: strings.Repeat("x", 1025), Action: "dance", Timestamp: "yesterday"})
	if err == nil {
		t.Fatal("invalid event accepted")
	}
	for _, want := range []string{"message", "action", "timestamp"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Errorf("%v is not a validation error", err)
	}
}

func TestViewsProjectResults(t *testing.T) {
	ev := &chat.Event{Message: "hi", Action: "join", Timestamp: "2024-01-02T03:04:05Z"}
	for view, want := range map[string]string{
		"tiny":    `{"message":"hi"}`,
		"default": `{"message":"hi","action":"join","timestamp":"2024-01-02T03:04:05Z"}`,
		"":        `{"message":"hi","action":"join","timestamp":"2024-01-02T03:04:05Z"}`,
	} {
		vres := chat.NewViewedEvent(ev, view)
		b, err := json.Marshal(vres.Projected)
		if err != nil || string(b) != want {
			t.Errorf("view %q: %s, %v; want %s", view, b, err, want)
		}
		back := chat.NewEvent(vres)
		if back.Message != "hi" || (view == "tiny") != (back.Action == "") {
			t.Errorf("view %q: NewEvent = %+v", view, back)
		}
	}
}

// TestStreamedMessagesLackingRequiredAttributesAreRejected decodes listener
// frames as the WebSocket server does: Goa's server answers {} with
// "missing_field", and so must the type a Goa implementation receives.
func TestStreamedMessagesLackingRequiredAttributesAreRejected(t *testing.T) {
	var p chat.ListenerStreamingPayload
	err := json.Unmarshal([]byte(`{}`), &p)
	var se *duplex.ServiceError
	if !errors.As(err, &se) || se.Name != "missing_field" || se.Field == nil || *se.Field != "message" {
		t.Fatalf("{} decoded with error %#v, want missing_field naming message", err)
	}
	if err := json.Unmarshal([]byte(`{"message":""}`), &p); err != nil || p.Message != "" {
		t.Errorf(`{"message":""} = %+v, %v; want accepted`, p, err)
	}
	var ev chat.Event
	if err := json.Unmarshal([]byte(`{"message":"hi"}`), &ev); err != nil || ev.Message != "hi" {
		t.Errorf("an event projected with the tiny view = %+v, %v; want accepted", ev, err)
	}
	if err := json.Unmarshal([]byte(`{"action":"join"}`), &ev); err == nil || !strings.Contains(err.Error(), `"message"`) {
		t.Errorf("an event without message: %v, want missing message (it is in every view)", err)
	}
}
