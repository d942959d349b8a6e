package ws

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEveryFrameIsOneWrite: the library's write buffer is small (an idle
// connection holds it for its whole life), yet every frame the server
// sends goes to the socket in one write: an answer of any size, which the
// library flushes through the small buffer in pieces that the corked
// writer collects, and the library's own control frames (a pong of the
// largest size), which fit the buffer.
func TestEveryFrameIsOneWrite(t *testing.T) {
	var writes atomic.Int64
	ts := startServerOn(t, func(l net.Listener) net.Listener { return countingListener{l, &writes} }, echoHandler)
	c := dialRaw(t, ts, "/stream")
	for _, size := range []int{10, writeBufferSize, 3000, 16 << 10} {
		t.Run(fmt.Sprintf("an answer of %d bytes", size), func(t *testing.T) {
			msg := `"` + strings.Repeat("x", size) + `"`
			before := writes.Load()
			c.frame(t, true, opText, []byte(msg))
			if got, code, _ := c.next(t); got != msg {
				t.Fatalf("echo: got %d bytes, close %d", len(got), int(code))
			}
			if n := writes.Load() - before; n != 1 {
				t.Errorf("%d socket writes for one frame of %d bytes, want 1", n, size)
			}
		})
	}
	t.Run("a pong of 125 bytes", func(t *testing.T) {
		payload := bytes.Repeat([]byte("p"), 125)
		before := writes.Load()
		c.frame(t, true, byte(opPing), payload)
		op, got := c.nextFrame(t)
		if op != opPong || !bytes.Equal(got, payload) {
			t.Fatalf("got opcode %d with %d bytes, want a pong with the ping's 125", op, len(got))
		}
		if n := writes.Load() - before; n != 1 {
			t.Errorf("%d socket writes for one pong, want 1", n)
		}
	})
	c.closeFrame(t, StatusNormalClosure, nil)
	if _, code, _ := c.next(t); code != StatusNormalClosure {
		t.Errorf("close: got %d, want 1000", int(code))
	}
	_ = ts.handlerResult(t)
}
