// Package wire is the client side of the benchmark design's wire, shared by
// the comparison harness (duplex.dev/bench/load) and the soak
// (duplex.dev/bench/soak): JSON {"message": …} frames whose message is a
// stamp "SEQ SENT-NANOS xxx…", {"message","action","timestamp"} events, a
// JSON null frame to end a client stream, and close 1000 from the server at
// the end of a stream. It is a test client's code, not a server's.
package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// epoch is the origin of the send times in stamps: latency is measured on
// this process's monotonic clock.
var epoch = time.Now()

// Dialer uses small buffers, so that the load client stays small beside the
// server.
var Dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   4096,
	WriteBufferSize:  4096,
}

// Message is the echo result and the listener payload.
type Message struct {
	Message *string `json:"message"`
}

// Event is what subscribe and join stream.
type Event struct {
	Message   string `json:"message"`
	Action    string `json:"action"`
	Timestamp string `json:"timestamp"`
}

// Stamp appends the message the client sends: a sequence number and the
// send time (nanoseconds since this process's epoch), padded with 'x' to
// size bytes.
func Stamp(dst []byte, seq, size int) []byte {
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

// MessageFrame appends {"message":"<stamp>"}; a stamp needs no JSON escaping.
func MessageFrame(dst []byte, seq, size int) []byte {
	dst = append(dst, `{"message":"`...)
	dst = Stamp(dst, seq, size)
	return append(dst, `"}`...)
}

// ParseStamp returns the sequence number and the latency of a stamp.
func ParseStamp(s string) (int, time.Duration, error) {
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

// ReadMessage reads one {"message"} frame and returns its message.
func ReadMessage(c *websocket.Conn) (string, error) {
	_, data, err := c.ReadMessage()
	if err != nil {
		return "", err
	}
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("decode %.60q: %w", data, err)
	}
	if m.Message == nil {
		return "", fmt.Errorf(`decode %.60q: no "message"`, data)
	}
	return *m.Message, nil
}

// ReadEvent reads one event frame.
func ReadEvent(c *websocket.Conn) (Event, error) {
	var ev Event
	_, data, err := c.ReadMessage()
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("decode event %.60q: %w", data, err)
	}
	return ev, nil
}

// CloseSend ends the client's stream the way the wire says (a JSON null
// frame).
func CloseSend(c *websocket.Conn) error {
	if err := c.WriteMessage(websocket.TextMessage, []byte("null")); err != nil {
		return fmt.Errorf("send null: %w", err)
	}
	return nil
}

// ExpectClose reads the server's close frame and checks it is 1000: no
// frame may come after what the caller expected.
func ExpectClose(c *websocket.Conn) error {
	_, data, err := c.ReadMessage()
	if err == nil {
		return fmt.Errorf("want close 1000, got frame %.40q", data)
	}
	if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		return nil
	}
	return fmt.Errorf("want close 1000: %w", err)
}
