//go:build unix

package ws

import (
	"fmt"
	"testing"
)

// TestAReceivingHandlerHoldsNoReadBuffer: between frames, a connection
// keeps no read buffer of net/http's size: the bytes of a frame are held
// only until they are read.
func TestAReceivingHandlerHoldsNoReadBuffer(t *testing.T) {
	frames := make([][]byte, 3)
	for i := range frames {
		frames[i] = fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i, padding)
	}
	// The handler read the frame: the reading side is its own now.
	echoInspecting(t, frames, func(c *Conn, _ int) string {
		switch {
		case c.out.idle == nil:
			return "the connection reads through net/http's buffer, not an idleReader"
		case c.out.idle.chunk != nil:
			return fmt.Sprintf("%d unread bytes kept in a chunk after the frame", c.out.idle.buffered())
		case c.out.rbuf.Size() != smallReadBuffer:
			return fmt.Sprintf("read buffer of %d bytes, want %d", c.out.rbuf.Size(), smallReadBuffer)
		}
		return ""
	})
}
