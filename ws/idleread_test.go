//go:build unix

package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestAReceivingHandlerHoldsNoReadBuffer: between frames, a connection
// keeps no read buffer of net/http's size: the bytes of a frame are held
// only until they are read.
func TestAReceivingHandlerHoldsNoReadBuffer(t *testing.T) {
	held := make(chan string, 4)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		if c.out.idle == nil {
			held <- "the connection reads through net/http's buffer, not an idleReader"
			return nil
		}
		for range 3 {
			var v json.RawMessage
			if err := c.Receive(ctx, &v); err != nil {
				return err
			}
			// The handler read the frame: the reading side is its own now.
			switch {
			case c.out.idle.chunk != nil:
				held <- fmt.Sprintf("%d unread bytes kept in a chunk after the frame", c.out.idle.buffered())
			case c.out.rbuf.Size() != smallReadBuffer:
				held <- fmt.Sprintf("read buffer of %d bytes, want %d", c.out.rbuf.Size(), smallReadBuffer)
			default:
				held <- ""
			}
			if err := c.Send(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	c := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		write(t, c, websocket.MessageText, []byte(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, padding)))
		if msg := <-held; msg != "" {
			t.Fatalf("frame %d: %s", i, msg)
		}
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
	}
	ts.endsNormally(t, c)
}
