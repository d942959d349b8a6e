package resume_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// testServer is a real ws.Server with a resume.Manager behind
// httptest.NewServer; the subject is the X-User header.
type testServer struct {
	url  string // ws://…
	addr string // host:port
	mgr  *resume.Manager
	wsrv *ws.Server
}

func startServer(t *testing.T, h resume.Handler, opts ...resume.Option) *testServer {
	t.Helper()
	return startServerWith(t, ws.Config{}, h, opts...)
}

// startServerWith is startServer with a configuration for the ws.Server
// too.
func startServerWith(t *testing.T, cfg ws.Config, h resume.Handler, opts ...resume.Option) *testServer {
	t.Helper()
	cfg.Subprotocols = []string{resume.Subprotocol}
	// Dropped connections are the point of these tests: keep their
	// warnings out of the output.
	cfg.Logger = slog.New(slog.DiscardHandler)
	wsrv := ws.NewServer(cfg)
	mgr := resume.NewManager(opts...)
	ep := &ws.Endpoint{Service: "test", Method: "stream"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			return mgr.Serve(c, r.Header.Get("X-User"), h)
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := mgr.Close(ctx); err != nil {
			t.Errorf("manager close: %v", err)
		}
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		srv.Close()
	})
	return &testServer{url: "ws" + strings.TrimPrefix(srv.URL, "http"), addr: srv.Listener.Addr().String(), mgr: mgr, wsrv: wsrv}
}

// fastRetry reconnects quickly, for tests.
var fastRetry = ws.RetryPolicy{Initial: 5 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}

func userHeader(name string) http.Header {
	return http.Header{"X-User": {name}}
}

// msg is the test payload; Pad makes frames big enough for the proxy's
// byte-count faults to hit mid-stream.
type msg struct {
	N   int    `json:"n"`
	Pad string `json:"pad,omitempty"`
}

var pad = strings.Repeat("x", 80)

// within returns a context for one bounded step of a test.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// startPlain serves a default-wire echo endpoint (no duplex.v1).
func startPlain(t *testing.T, wsrv *ws.Server) string {
	t.Helper()
	ep := &ws.Endpoint{Service: "test", Method: "echo"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			for {
				var v any
				if err := c.Receive(ctx, &v); err != nil {
					return nil
				}
				if err := c.Send(ctx, v); err != nil {
					return err
				}
			}
		})
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// serveB serves h on a real server for a benchmark.
func serveB(b *testing.B, wsrv *ws.Server, h func(ctx context.Context, c *ws.Conn) error) string {
	ep := &ws.Endpoint{Service: "bench", Method: "echo"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, h)
	}))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}
