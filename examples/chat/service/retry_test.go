package service_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/examples/chat/service"
	"duplex.dev/ws"
)

// A ws.DialConfig.Retry given to a generated NewClient applies to the dial of a
// stream that is not resumable (echo): refusals retrying can fix (503) are
// retried with its backoff, others (401) are not, and without it a refusal
// is returned at once.
func TestGeneratedClientRetriesTheDialWithWithRetry(t *testing.T) {
	svc, err := service.New(service.Config{JWTSecret: []byte("0123456789abcdef0123456789abcdef"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	// The front refuses the next refuse upgrades of /echo with status.
	var refuse, refusals, status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	host := serveChat(t, svc, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/echo" {
				if refuse.Add(-1) >= 0 {
					refusals.Add(1)
					http.Error(w, "busy", int(status.Load()))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	echo := func(dial ws.DialConfig) error {
		hc := chatc.NewClient("http", host, nil, dial)
		c := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(), hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())
		s, err := c.Echo(ctx)
		if err != nil {
			return err
		}
		defer closeClientStream(s)
		if err := s.SendWithContext(ctx, &chat.EchoStreamingPayload{Message: "hi"}); err != nil {
			return err
		}
		res, err := s.RecvWithContext(ctx)
		if err == nil && res.Message != "hi" {
			t.Errorf("echo = %q", res.Message)
		}
		return err
	}
	retry := ws.DialConfig{Retry: &ws.RetryPolicy{Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxAttempts: 5}}

	t.Run("503 twice, then the upgrade: WithRetry connects on the third dial", func(t *testing.T) {
		refuse.Store(2)
		refusals.Store(0)
		if err := echo(retry); err != nil {
			t.Fatalf("echo with WithRetry: %v", err)
		}
		if n := refusals.Load(); n != 2 {
			t.Errorf("%d refusals seen, want 2", n)
		}
	})
	t.Run("503 without WithRetry: refused at once", func(t *testing.T) {
		refuse.Store(1)
		refusals.Store(0)
		var herr *ws.HTTPError
		if err := echo(ws.DialConfig{}); !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("echo without WithRetry: %v, want the 503", err)
		}
		if n := refusals.Load(); n != 1 {
			t.Errorf("%d refusals seen, want 1", n)
		}
	})
	t.Run("401 is not retried, even with WithRetry", func(t *testing.T) {
		status.Store(http.StatusUnauthorized)
		defer status.Store(http.StatusServiceUnavailable)
		refuse.Store(3)
		refusals.Store(0)
		var herr *ws.HTTPError
		if err := echo(retry); !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("echo: %v, want the 401", err)
		}
		if n := refusals.Load(); n != 1 {
			t.Errorf("%d refusals seen, want 1 (no retry)", n)
		}
		refuse.Store(0)
	})
}
