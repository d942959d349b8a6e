package compat_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	benchduplex "duplex.dev/bench/duplex"
	gbench "duplex.dev/bench/goa/gen/bench"
	"duplex.dev/ws"
)

// TestGoaClientStreamOutlivesHeartbeat streams to the Duplex server's
// listener with Goa's client for several heartbeat timeouts. Goa's client
// (gorilla) answers pings only while it reads, and a client→server stream
// reads nothing until CloseAndRecv: the server must take the client's
// frames as a sign of life rather than drop it for a missing pong.
func TestGoaClientStreamOutlivesHeartbeat(t *testing.T) {
	const interval, timeout = 20 * time.Millisecond, 50 * time.Millisecond
	srv := httptest.NewServer(benchduplex.NewHandlerWith(slog.New(slog.DiscardHandler), ws.Config{HeartbeatInterval: interval, HeartbeatTimeout: timeout}))
	defer srv.Close()
	d := newGoaDriver(t, srv.URL).(*goaDriver)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := d.c.Listener(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Send for ten heartbeat timeouts, a message every 5 ms (bounded by count).
	const n = 100
	for i := range n {
		if err := s.Send(&gbench.ListenerStreamingPayload{Message: "tick"}); err != nil {
			t.Fatalf("send %d of %d: %v: the server dropped a client that sends but does not read (gorilla answers pings only while reading)", i+1, n, err)
		}
		time.Sleep(timeout / 10)
	}
	count, err := s.CloseAndRecv()
	if err != nil {
		t.Fatalf("CloseAndRecv after %d messages: %v: the server dropped a client that sends but does not read", n, err)
	}
	if count != n {
		t.Errorf("server counted %d messages, sent %d", count, n)
	}
}
