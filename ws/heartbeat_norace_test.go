//go:build unix && !race

package ws

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestIdleHandlerStackStaysShrunkAfterHeartbeats: a handler idle in
// ReceiveRaw after an echo keeps a stack of at most 4 KB once three
// heartbeats were answered: the pongs are dropped in its wait for the
// socket, which goes on there. With the library's Ping, a pong woke the
// handler into the library's frame reader, where it then waited for the
// next frame, deep enough to keep 8 or 16 KB (12.4 KB per connection here).
// The clients are raw sockets, so the stacks counted are the server's.
func TestIdleHandlerStackStaysShrunkAfterHeartbeats(t *testing.T) {
	const n = 200 // the stacks of other tests' goroutines, still ending, weigh less per connection
	// Pings a second apart (the beat comes back a timeout after a ping,
	// finds the pong, and pings again an interval after it), time enough
	// for the test to answer a round of pings on every connection.
	const interval, timeout = time.Second, time.Second
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler), HeartbeatInterval: interval, HeartbeatTimeout: timeout})
	ep := &Endpoint{Service: "test", Method: "echo"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Handle(w, r, ep, paddedEcho)
	}))
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	ts := &testServer{Server: hs}

	before := stackInUse()
	conns := make([]*rawClient, n)
	answered := make([]int, n) // pongs sent per connection
	// pongNext answers the ping that is c's next frame.
	pongNext := func(i int) {
		t.Helper()
		op, payload := conns[i].nextFrame(t)
		if op != byte(opPing) {
			t.Fatalf("got a frame of opcode %d, want a ping (9)", op)
		}
		conns[i].frame(t, true, opPong, payload)
		answered[i]++
	}
	msg := `{"text":"` + strings.Repeat("x", 512) + `"}`
	for i := range conns {
		c := dialRaw(t, ts, "/echo")
		_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
		conns[i] = c
		c.frame(t, true, opText, []byte(msg))
		for {
			// A slow dial may meet the first ping before the echo.
			op, payload := c.nextFrame(t)
			if op == byte(opPing) {
				c.frame(t, true, opPong, payload)
				answered[i]++
				continue
			}
			if op != opText || string(payload) != msg {
				t.Fatalf("echo: got opcode %d, %d bytes", op, len(payload))
			}
			break
		}
	}
	// Three heartbeats answered, a round at a time: the handlers drop the
	// pongs in their wait for the socket.
	for round := 1; round <= 3; round++ {
		for i := range conns {
			for answered[i] < round {
				pongNext(i)
			}
		}
	}
	perConn := (stackInUse() - before) / n
	t.Logf("stack per idle connection after three heartbeats: %d B", perConn)
	// 4 KB stacks read as up to 5.2 KB here (stack memory comes in spans
	// the runtime holds on to); a handler a pong left deep keeps 8 KB.
	if perConn > 6<<10 {
		t.Errorf("stack per idle connection after three heartbeats = %d B, want at most 6 KB (4 KB stacks; 8 KB is a handler left deep in the library's reader)", perConn)
	}
	// Every connection is alive: an echo each.
	for _, c := range conns {
		c.frame(t, true, opText, []byte(`{"text":"again"}`))
		for {
			op, payload := c.nextFrame(t)
			if op == byte(opPing) {
				c.frame(t, true, opPong, payload)
				continue
			}
			if op != opText || string(payload) != `{"text":"again"}` {
				t.Fatalf("after the heartbeats: got opcode %d %q, want the echo", op, payload)
			}
			break
		}
	}
	if got := srv.Len(); got != n {
		t.Errorf("Len = %d, want %d connections alive", got, n)
	}
	for _, c := range conns {
		_ = c.conn.Close() // gone: Shutdown has no close handshake to wait for
	}
}
