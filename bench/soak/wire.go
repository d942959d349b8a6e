package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// The client side of the benchmark design's wire, as duplex.dev/bench/load
// speaks it (unexported there): JSON {"message": …} frames whose message is a
// stamp "SEQ SENT-NANOS xxx…", a JSON null frame to end a client stream, and
// close 1000 from the server at the end of a stream.

// epoch is the origin of the send times in stamps: latency is measured on
// this process's monotonic clock.
var epoch = time.Now()

// dialer uses small buffers, so that the load client stays small beside the server.
var dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   4096,
	WriteBufferSize:  4096,
}

// dial opens a WebSocket to path on the target and counts it as open until
// drop.
func (r *runner) dial(ctx context.Context, path string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(r.t.URL, "http") + path
	c, resp, err := dialer.DialContext(ctx, url, nil)
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

func stamp(dst []byte, seq, size int) []byte {
	start := len(dst)
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(time.Since(epoch)), 10)
	dst = append(dst, ' ')
	for len(dst)-start < size {
		dst = append(dst, 'x')
	}
	return dst
}

func parseStamp(s string) (int, time.Duration, error) {
	seqText, rest, ok := strings.Cut(s, " ")
	sentText, _, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("malformed message %.40q", s)
	}
	seq, err := strconv.Atoi(seqText)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed message %.40q: %w", s, err)
	}
	sent, err := strconv.ParseInt(sentText, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed message %.40q: %w", s, err)
	}
	return seq, time.Since(epoch) - time.Duration(sent), nil
}

type message struct {
	Message *string `json:"message"`
}

type event struct {
	Message   string `json:"message"`
	Action    string `json:"action"`
	Timestamp string `json:"timestamp"`
}

// echoOnce sends message seq and checks that it comes back; it returns the
// round trip.
func echoOnce(c *websocket.Conn, seq int) (time.Duration, error) {
	frame := append([]byte(`{"message":"`), stamp(nil, seq, 64)...)
	frame = append(frame, `"}`...)
	if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	_, data, err := c.ReadMessage()
	if err != nil {
		return 0, fmt.Errorf("echo: %w", err)
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil || m.Message == nil {
		return 0, fmt.Errorf("echo: decode %.60q: %v", data, err)
	}
	got, d, err := parseStamp(*m.Message)
	if err != nil {
		return 0, fmt.Errorf("echo: %w", err)
	}
	if got != seq {
		return 0, fmt.Errorf("echo: got message %d, want %d", got, seq)
	}
	return d, nil
}

func readEvent(c *websocket.Conn) (event, error) {
	var ev event
	_, data, err := c.ReadMessage()
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("decode event %.60q: %w", data, err)
	}
	return ev, nil
}

// expectClose reads the server's close frame and checks it is 1000.
func expectClose(c *websocket.Conn) error {
	_, data, err := c.ReadMessage()
	if err == nil {
		return fmt.Errorf("want close 1000, got frame %.40q", data)
	}
	if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		return nil
	}
	return fmt.Errorf("want close 1000: %w", err)
}
