package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// epoch is the origin of the send times the client writes into its messages,
// so that a receiver in this process computes latency from the monotonic clock.
var epoch = time.Now()

// dialer is the client's handshake configuration: small buffers, so that
// 10,000 subscribers fit in the load client beside the servers.
var dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   4096,
	WriteBufferSize:  4096,
}

// dial opens a WebSocket to path on t. The connection's deadlines are ctx's
// deadline, and it is closed when ctx is done, so no read or write outlives
// the scenario. Call the returned release when the connection is closed.
func dial(ctx context.Context, t Target, path string) (*websocket.Conn, func(), error) {
	url := "ws" + strings.TrimPrefix(t.URL, "http") + path
	c, resp, err := dialer.DialContext(ctx, url, nil)
	if err != nil {
		if resp != nil {
			return nil, nil, fmt.Errorf("dial %s: %w (HTTP %d)", path, err, resp.StatusCode)
		}
		return nil, nil, fmt.Errorf("dial %s: %w", path, err)
	}
	if d, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(d)
		c.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return c, func() { stop(); c.Close() }, nil
}

// closeSend ends the client's stream the way the wire says (a JSON null frame).
func closeSend(c *websocket.Conn) error {
	if err := c.WriteMessage(websocket.TextMessage, []byte("null")); err != nil {
		return fmt.Errorf("send null: %w", err)
	}
	return nil
}

// expectClose reads the server's close frame and checks it is 1000: no
// frame may come after what the scenario expected.
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

// stamp is the message the client sends: a sequence number and the send time
// (nanoseconds since epoch), padded with 'x' to size bytes.
func stamp(dst []byte, seq int, size int) []byte {
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

// messageFrame is {"message":"<stamp>"}; a stamp needs no JSON escaping.
func messageFrame(dst []byte, seq, size int) []byte {
	dst = append(dst, `{"message":"`...)
	dst = stamp(dst, seq, size)
	return append(dst, `"}`...)
}

// parseStamp returns the sequence number and the latency of a stamp.
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

// message is the echo result and the listener payload.
type message struct {
	Message *string `json:"message"`
}

// event is what subscribe and join stream.
type event struct {
	Message   string `json:"message"`
	Action    string `json:"action"`
	Timestamp string `json:"timestamp"`
}

func readMessage(c *websocket.Conn) (string, error) {
	_, data, err := c.ReadMessage()
	if err != nil {
		return "", err
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("decode %.60q: %w", data, err)
	}
	if m.Message == nil {
		return "", fmt.Errorf(`decode %.60q: no "message"`, data)
	}
	return *m.Message, nil
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

// samples collects latencies from many goroutines.
type samples struct {
	mu  sync.Mutex
	all []time.Duration
}

func (s *samples) add(d []time.Duration) {
	s.mu.Lock()
	s.all = append(s.all, d...)
	s.mu.Unlock()
}

// percentile returns the p-th percentile (0–100) of d, sorting d in place.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p / 100)
	return d[i]
}

// publish posts message to room on t and returns the number of members reached.
func publish(ctx context.Context, hc *http.Client, t Target, room, message string) (int, error) {
	body, err := json.Marshal(map[string]string{"message": message})
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/rooms/"+room, strings.NewReader(string(body)))
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	defer resp.Body.Close()
	var n int
	if err := json.NewDecoder(resp.Body).Decode(&n); err != nil {
		return 0, fmt.Errorf("publish: HTTP %d: decode count: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("publish: HTTP %d", resp.StatusCode)
	}
	return n, nil
}

// errLost reports a scenario that did not get back everything it sent.
var errLost = errors.New("messages lost")
