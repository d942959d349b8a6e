package chatd_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatsvr "duplex.dev/examples/chat/gen/http/chat/server"
	"duplex.dev/examples/chat/service"
	"duplex.dev/security"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// plainErrorAuth is the chat service with auth methods that refuse every
// request with a plain error, as a scaffolded or hand-written auth method
// does (errors.New, fmt.Errorf): no design error, no status of its own.
type plainErrorAuth struct{ *service.Service }

var errRevoked = errors.New("credentials revoked")

func (plainErrorAuth) BasicAuth(ctx context.Context, _, _ string, _ *security.BasicScheme) (context.Context, error) {
	return ctx, errRevoked
}

func (plainErrorAuth) JWTAuth(ctx context.Context, _ string, _ *security.JWTScheme) (context.Context, error) {
	return ctx, errRevoked
}

func TestAuthMethodsPlainErrorIs401OnEveryKindOfEndpoint(t *testing.T) {
	ctx := testContext(t)
	svc, err := service.New(service.Config{JWTSecret: []byte("test secret"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	wsrv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)})
	api := chatsvr.New(chat.NewEndpoints(plainErrorAuth{svc}), wsrv, http.Dir(t.TempDir()))
	mux := http.NewServeMux()
	api.Mount(mux)
	hs := httptest.NewServer(mux)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := api.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	}()
	host := strings.TrimPrefix(hs.URL, "http://")

	unary := func(t *testing.T, req *http.Request) {
		t.Helper()
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("goa-error") != "unauthorized" {
			t.Fatalf("%s %s: %d (goa-error %q), want 401 unauthorized", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("goa-error"))
		}
	}
	t.Run("unary with basic auth", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/login", nil)
		req.SetBasicAuth("alice", "secret")
		unary(t, req)
	})
	t.Run("unary with a JWT", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/rooms/general/messages", strings.NewReader(`{"text":"hi"}`))
		req.Header.Set("Authorization", "Bearer some.jwt.token")
		unary(t, req)
	})
	t.Run("plain stream", func(t *testing.T) {
		for _, path := range []string{"/subscribe", "/analytics", "/listen", "/rooms/general"} {
			c, err := ws.Dial(ctx, "ws://"+host+path+"?token=some.jwt.token", ws.DialConfig{HTTPClient: hs.Client()})
			if err == nil {
				_ = c.Close()
				t.Fatalf("%s: upgraded, want HTTP 401", path)
			}
			if !isStatus(err, http.StatusUnauthorized) {
				t.Fatalf("%s: %v, want HTTP 401", path, err)
			}
		}
	})
	t.Run("resumable stream", func(t *testing.T) {
		// A duplex.v1 client is refused with HTTP 401 before the upgrade or,
		// where the session's stream is upgraded first, with close 4501:
		// either way an authentication failure, never 500 or 1011.
		c, err := ws.Dial(ctx, "ws://"+host+"/rooms/general?token=some.jwt.token", ws.DialConfig{HTTPClient: hs.Client(), Subprotocols: []string{resume.Subprotocol}})
		if err != nil {
			if !isStatus(err, http.StatusUnauthorized) {
				t.Fatalf("dial: %v, want HTTP 401 or close 4501", err)
			}
			return
		}
		defer c.Close()
		if err := c.SendRaw(ctx, []byte(`{"hello":{}}`)); err != nil {
			t.Fatal(err)
		}
		for {
			frame, err := c.ReceiveRaw(ctx)
			if err == nil {
				// duplex.v1 says how a stream ended in an "end" frame
				// before the close frame.
				var end struct {
					End *struct {
						Code int `json:"code"`
					} `json:"end"`
				}
				switch {
				case json.Unmarshal(frame, &end) != nil:
					t.Fatalf("received %q, want close 4501", frame)
				case end.End == nil:
					continue // welcome
				case end.End.Code != int(ws.StatusUnauthorized):
					t.Fatalf("resumable join ended with %q, want code 4501", frame)
				}
				return
			}
			if ws.CloseStatus(err) != ws.StatusUnauthorized {
				t.Fatalf("resumable join: %v, want close 4501", err)
			}
			return
		}
	})
}
