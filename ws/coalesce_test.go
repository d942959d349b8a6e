package ws

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// countingListener counts the writes to every accepted connection's socket.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestQueuedFramesAreCoalescedIntoFewWrites: frames queued while the writer
// is busy go to the socket in one write per batch, and arrive whole and in
// order, small and large alike, with and without compression.
func TestQueuedFramesAreCoalescedIntoFewWrites(t *testing.T) {
	const total = 100
	// Mostly small frames, and every tenth a large one, around corkLimit/2
	// and above corkLimit.
	sizes := []int{2, 900, 10, 3000, 40 << 10, 2, 900, 10, 3000, 70 << 10}
	const large = total / 5
	frame := func(seq int) []byte {
		b, _ := json.Marshal(map[string]any{"seq": seq, "pad": strings.Repeat("x", sizes[seq%len(sizes)])})
		return b
	}
	for _, compress := range []bool{false, true} {
		name := "plain"
		var opts []Option
		dial := &websocket.DialOptions{}
		if compress {
			name = "deflate"
			opts = append(opts, WithCompression(512))
			dial.CompressionMode = websocket.CompressionNoContextTakeover
		}
		t.Run(name, func(t *testing.T) {
			var writes atomic.Int64
			conns := make(chan *Conn, 1)
			ts := startServerOn(t, func(l net.Listener) net.Listener { return countingListener{l, &writes} },
				streams(conns), append(opts, WithSendQueue(2*total, Disconnect))...)
			client := ts.dial(t, "/stream", dial)
			c := <-conns
			before := writes.Load()

			// Hold the socket while queueing: the writer stops at its first
			// write, so the other frames wait in the queue for one batch.
			c.out.mu.Lock()
			for seq := range total {
				if err := c.SendRaw(frame(seq)); err != nil {
					c.out.mu.Unlock()
					t.Fatalf("SendRaw(%d): %v", seq, err)
				}
			}
			c.out.mu.Unlock()

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for want := range total {
				_, b, err := client.Read(ctx)
				if err != nil {
					t.Fatalf("message %d: %v", want, err)
				}
				if string(b) != string(frame(want)) {
					t.Fatalf("message %d arrived altered or out of order (%d bytes, want %d)", want, len(b), len(frame(want)))
				}
			}
			// A large frame may take two writes of its own (it is not
			// copied); the small ones share the writes of their batch.
			n := writes.Load() - before
			t.Logf("%d socket writes for %d frames", n, total)
			if n > 2*large+8 {
				t.Errorf("%d socket writes for %d frames (%d large): queued frames were not coalesced", n, total, large)
			}
			_ = client.Close(websocket.StatusNormalClosure, "")
			ts.handlerResult(t)
		})
	}
}
