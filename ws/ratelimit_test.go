package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/security"
)

// authedEcho echoes frames for the subject named by ?user=, which it
// authenticates as an auth function does (security.Authenticated).
func authedEcho(ctx context.Context, c *Conn) error {
	ctx, err := security.Authenticated(ctx, c.Request().URL.Query().Get("user"))
	if err != nil {
		return err
	}
	for {
		b, err := c.ReceiveRaw(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := c.SendRaw(b); err != nil {
			return err
		}
	}
}

// echoes sends n frames on c and reads their echoes; it returns how many
// came back and the close error that ended it, if any.
func echoes(t *testing.T, c *websocket.Conn, n int) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range n {
		msg := fmt.Sprintf(`{"n":%d}`, i)
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			return i, err
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			return i, err
		}
		if string(b) != msg {
			t.Fatalf("echo %d = %s, want %s", i, b, msg)
		}
	}
	return n, nil
}

func TestMessageRateLimits(t *testing.T) {
	// The buckets refill so slowly that exactly burst frames pass.
	const slow = 0.001
	t.Run("a connection past its rate is closed with 4029 and another is unaffected", func(t *testing.T) {
		ts := startServer(t, authedEcho, Config{MessageRate: slow, MessageBurst: 5})
		flood := ts.dial(t, "/stream?user=mallory", nil)
		other := ts.dial(t, "/stream?user=alice", nil)
		n, err := echoes(t, flood, 100)
		if n != 5 || websocket.CloseStatus(err) != websocket.StatusCode(StatusRateLimited) {
			t.Fatalf("flooder: %d echoes then %v, want 5 then close 4029", n, err)
		}
		if !strings.Contains(err.Error(), "too many messages") {
			t.Errorf("close reason = %v, want it to say too many messages", err)
		}
		if n, err := echoes(t, other, 5); n != 5 || err != nil {
			t.Errorf("other connection: %d echoes, %v; want 5", n, err)
		}
	})
	t.Run("the connections of one subject share its rate and other subjects keep theirs", func(t *testing.T) {
		ts := startServer(t, authedEcho, Config{SubjectMessageRate: slow, SubjectMessageBurst: 6})
		a1 := ts.dial(t, "/stream?user=mallory", nil)
		a2 := ts.dial(t, "/stream?user=mallory", nil)
		bob := ts.dial(t, "/stream?user=bob", nil)
		if n, err := echoes(t, a1, 4); n != 4 || err != nil {
			t.Fatalf("first connection: %d echoes, %v; want 4", n, err)
		}
		n, err := echoes(t, a2, 100)
		if n != 2 || websocket.CloseStatus(err) != websocket.StatusCode(StatusRateLimited) {
			t.Fatalf("second connection of the subject: %d echoes then %v, want 2 then close 4029", n, err)
		}
		if n, err := echoes(t, bob, 6); n != 6 || err != nil {
			t.Errorf("another subject: %d echoes, %v; want 6", n, err)
		}
	})
}
