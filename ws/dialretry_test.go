package ws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/ws"
)

// busyFront answers the first refusals upgrades with 503, then accepts and
// closes with 1000; it counts the requests it sees.
func busyFront(t *testing.T, refusals int32) (string, *atomic.Int32) {
	t.Helper()
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= refusals {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), &seen
}

func TestDialRetriesTheHandshakeWithWithRetry(t *testing.T) {
	noWait := func(context.Context, time.Duration) error { return nil }
	t.Run("with a Retry policy, two 503s then the upgrade", func(t *testing.T) {
		url, seen := busyFront(t, 2)
		c, err := ws.Dial(testContext(t), url, ws.WithRetrySleep(ws.DialConfig{Retry: &ws.RetryPolicy{MaxAttempts: 5}}, noWait))
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		_ = c.Close()
		if n := seen.Load(); n != 3 {
			t.Errorf("%d handshakes, want 3", n)
		}
	})
	t.Run("without a Retry policy, the 503 at once", func(t *testing.T) {
		url, seen := busyFront(t, 2)
		_, err := ws.Dial(testContext(t), url, ws.DialConfig{})
		var herr *ws.HTTPError
		if !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable || seen.Load() != 1 {
			t.Fatalf("Dial: %v after %d handshakes, want the 503 after 1", err, seen.Load())
		}
	})
	t.Run("MaxAttempts 1 dials once, with Dial's own error", func(t *testing.T) {
		url, seen := busyFront(t, 2)
		_, err := ws.Dial(testContext(t), url, ws.WithRetrySleep(ws.DialConfig{Retry: &ws.RetryPolicy{MaxAttempts: 1}}, noWait))
		var herr *ws.HTTPError
		if !errors.As(err, &herr) || seen.Load() != 1 || strings.Contains(err.Error(), "giving up") {
			t.Fatalf("Dial: %v after %d handshakes, want the plain 503 after 1", err, seen.Load())
		}
	})
}
