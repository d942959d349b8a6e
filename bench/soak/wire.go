package soak

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"duplex.dev/bench/wire"
)

// dial opens a WebSocket to path on the target and counts it as open until
// drop.
func (r *runner) dial(ctx context.Context, path string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(r.t.URL, "http") + path
	c, resp, err := wire.Dialer.DialContext(ctx, url, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", path, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", path, err)
	}
	r.openConns.Add(1)
	return c, nil
}

// drop closes c and counts it as closed.
func (r *runner) drop(c *websocket.Conn) {
	c.Close()
	r.openConns.Add(-1)
}

// endStream ends a long-lived connection at the end of the run the way a
// polite client does: a close frame 1000, after which the server closes and
// the connection's reader returns.
func endStream(c *websocket.Conn) {
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	// If the server does not answer, the read deadline ends the reader.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
}

// echoOnce sends message seq and checks that it comes back; it returns the
// round trip.
func echoOnce(c *websocket.Conn, seq int) (time.Duration, error) {
	if err := c.WriteMessage(websocket.TextMessage, wire.MessageFrame(nil, seq, 64)); err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	msg, err := wire.ReadMessage(c)
	if err != nil {
		return 0, fmt.Errorf("echo: %w", err)
	}
	got, d, err := wire.ParseStamp(msg)
	if err != nil {
		return 0, fmt.Errorf("echo: %w", err)
	}
	if got != seq {
		return 0, fmt.Errorf("echo: got message %d, want %d", got, seq)
	}
	return d, nil
}
