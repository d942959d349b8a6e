package ws_test

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/ws"
)

// TestDialWithRetryHonoursRetryAfter: a 429 or 503 refusal's Retry-After
// (seconds or an HTTP date) is the least the client waits before its next
// attempt, whatever the backoff says, up to ws.MaxRetryAfter; other
// statuses' Retry-After, and invalid values, change nothing.
func TestDialWithRetryHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		min, max   time.Duration
	}{
		{"503 in seconds", http.StatusServiceUnavailable, "3", 3 * time.Second, 3 * time.Second},
		{"429 in seconds", http.StatusTooManyRequests, "7", 7 * time.Second, 7 * time.Second},
		{"429 as a date", http.StatusTooManyRequests, time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat), 10 * time.Second, 20 * time.Second},
		{"absurd value capped", http.StatusServiceUnavailable, "86400", ws.MaxRetryAfter, ws.MaxRetryAfter},
		{"invalid value ignored", http.StatusServiceUnavailable, "soon", 0, fastRetry.Max},
		{"502 has no Retry-After rule", http.StatusBadGateway, "9", 0, fastRetry.Max},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refused sync.Once
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				first := false
				refused.Do(func() { first = true })
				if first {
					w.Header().Set("Retry-After", tc.retryAfter)
					http.Error(w, "busy", tc.status)
					return
				}
				_ = ws.NewServer(ws.Config{}).Handle(w, r, nil, func(ctx context.Context, c *ws.Conn) error { return c.Upgrade() })
			}))
			defer hs.Close()
			var delays []time.Duration
			sleep := func(ctx context.Context, d time.Duration) error {
				delays = append(delays, d)
				return nil
			}
			c, err := ws.DialWithRetry(testContext(t), "ws"+strings.TrimPrefix(hs.URL, "http"), ws.WithRetrySleep(ws.DialConfig{Retry: &fastRetry}, sleep))
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			if len(delays) != 1 || delays[0] < tc.min || delays[0] > tc.max {
				t.Fatalf("waited %v before the second attempt, want one wait in [%v, %v]", delays, tc.min, tc.max)
			}
		})
	}
}

// deadHost returns a host:port nothing listens on any more.
func deadHost(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDialWithRetryMovesToTheNextHost: with Hosts, a dial that fails
// on the URL's server moves to the next one.
func TestDialWithRetryMovesToTheNextHost(t *testing.T) {
	live := newRefusingServer(t, http.StatusOK, 0)
	liveHost := strings.TrimPrefix(live.URL, "ws://")
	var delays []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return nil
	}
	c, err := ws.DialWithRetry(testContext(t), "ws://"+deadHost(t)+"/echo?x=1", ws.WithRetrySleep(ws.DialConfig{Hosts: []string{liveHost}, Retry: &ws.RetryPolicy{MaxAttempts: 2}}, sleep))
	if err != nil {
		t.Fatalf("DialWithRetry with a dead URL and a live host: %v", err)
	}
	defer c.Close()
	if got := live.attempts.Load(); got != 1 || len(delays) != 1 {
		t.Fatalf("live server saw %d handshakes after %d waits, want 1 after 1 (the dead one failed first)", got, len(delays))
	}
	if got, want := ws.DialURLs("ws://a:1/p?q=1", ws.DialConfig{Hosts: []string{"b:2", "c"}}), []string{"ws://a:1/p?q=1", "ws://b:2/p?q=1", "ws://c/p?q=1"}; !slices.Equal(got, want) {
		t.Fatalf("DialURLs = %v, want %v", got, want)
	}
}

// TestReconnectBacksOffWhenStreamsFailAtOnce: a server that upgrades and
// closes every stream at once with 1011 gets the whole backoff from
// Reconnect, not a restart of it after each upgrade: the delays grow as
// RetryPolicy.Delay(0), Delay(1) … with the same jitter source.
func TestReconnectBacksOffWhenStreamsFailAtOnce(t *testing.T) {
	codes := make([]ws.StatusCode, 8)
	for i := range codes {
		codes[i] = ws.StatusInternalError
	}
	p, conns := closingServer(t, codes...)
	policy := ws.RetryPolicy{Initial: 100 * time.Millisecond, Max: 10 * time.Second, Multiplier: 2}
	var delays []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return nil
	}
	err := ws.Reconnect(testContext(t), p.URL, readAll, ws.WithRetryRand(ws.WithRetrySleep(ws.DialConfig{Retry: &policy}, sleep), rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		t.Fatalf("Reconnect = %v, want nil once the server ends the stream with 1000", err)
	}
	if got := conns.Load(); got != int32(len(codes)+1) {
		t.Fatalf("server saw %d connections, want %d", got, len(codes)+1)
	}
	same := rand.New(rand.NewPCG(1, 2))
	for i, d := range delays {
		if want := policy.Delay(i, same); d != want {
			t.Fatalf("delay %d = %v, want %v (ceiling %v): the backoff restarted after an upgrade", i, d, want, policy.Ceiling(i))
		}
	}
}
