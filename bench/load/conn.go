package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"duplex.dev/bench/wire"
)

// The load clients. Every scenario runs once per client, so that a result
// holds for more than the client the runtime was tuned with.
const (
	// Gorilla is the gorilla/websocket client (wire.Dialer: 4 KB buffers).
	Gorilla = "gorilla"
	// Coder is the coder/websocket client (its defaults).
	Coder = "coder"
)

// Clients lists the load clients, in report order.
var Clients = []string{Gorilla, Coder}

// wsConn is one client connection, whichever library holds it.
type wsConn interface {
	// WriteText sends one text message.
	WriteText(data []byte) error
	// ReadData returns the next data message.
	ReadData() ([]byte, error)
	// SendClose sends a close frame 1000 without waiting for the answer.
	SendClose() error
	// ExpectClose reads the next frame and succeeds when it is a close 1000.
	ExpectClose() error
	// Close drops the connection.
	Close()
}

// dial opens a WebSocket to path on t with client. The connection's reads
// and writes end at ctx's deadline, and it is dropped when ctx is done, so
// no read or write outlives the scenario. Call the returned release when
// the connection is closed.
func dial(ctx context.Context, client string, t Target, path string) (wsConn, func(), error) {
	url := "ws" + strings.TrimPrefix(t.URL, "http") + path
	var c wsConn
	switch client {
	case Gorilla, "":
		gc, resp, err := wire.Dialer.DialContext(ctx, url, nil)
		if err != nil {
			return nil, nil, dialError(path, resp, err)
		}
		if d, ok := ctx.Deadline(); ok {
			gc.SetReadDeadline(d)
			gc.SetWriteDeadline(d)
		}
		c = gorillaConn{gc}
	case Coder:
		cc, resp, err := coder.Dial(ctx, url, &coder.DialOptions{HTTPClient: coderHTTP})
		if err != nil {
			return nil, nil, dialError(path, resp, err)
		}
		cc.SetReadLimit(1 << 20)
		c = &coderConn{c: cc, ctx: ctx}
	default:
		return nil, nil, fmt.Errorf("dial: unknown load client %q (known: %v)", client, Clients)
	}
	stop := context.AfterFunc(ctx, c.Close)
	return c, func() { stop(); c.Close() }, nil
}

// coderHTTP dials the handshakes of the coder client: one TCP connection
// per WebSocket, as the library needs, none kept idle.
var coderHTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func dialError(path string, resp *http.Response, err error) error {
	if resp != nil {
		return fmt.Errorf("dial %s: %w (HTTP %d)", path, err, resp.StatusCode)
	}
	return fmt.Errorf("dial %s: %w", path, err)
}

type gorillaConn struct{ c *websocket.Conn }

func (g gorillaConn) WriteText(data []byte) error {
	return g.c.WriteMessage(websocket.TextMessage, data)
}

func (g gorillaConn) ReadData() ([]byte, error) {
	_, data, err := g.c.ReadMessage()
	return data, err
}

func (g gorillaConn) SendClose() error {
	return g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
}

func (g gorillaConn) ExpectClose() error {
	_, data, err := g.c.ReadMessage()
	if err == nil {
		return fmt.Errorf("want close 1000, got frame %.40q", data)
	}
	if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		return nil
	}
	return fmt.Errorf("want close 1000: %w", err)
}

func (g gorillaConn) Close() { g.c.Close() }

// coderConn reads and writes with the scenario's context: coder/websocket
// takes a context per call instead of deadlines.
type coderConn struct {
	c   *coder.Conn
	ctx context.Context
}

func (k *coderConn) WriteText(data []byte) error {
	return k.c.Write(k.ctx, coder.MessageText, data)
}

func (k *coderConn) ReadData() ([]byte, error) {
	_, data, err := k.c.Read(k.ctx)
	return data, err
}

// SendClose sends the close frame and does not wait for the peer's: the
// caller reads it with ExpectClose (coder's Close would wait in its own
// reader, racing the caller's).
func (k *coderConn) SendClose() error {
	// coder/websocket has no call that only writes a close frame; a
	// goroutine runs the close handshake while the caller reads the answer.
	go k.c.Close(coder.StatusNormalClosure, "")
	return nil
}

func (k *coderConn) ExpectClose() error {
	_, data, err := k.c.Read(k.ctx)
	if err == nil {
		return fmt.Errorf("want close 1000, got frame %.40q", data)
	}
	if coder.CloseStatus(err) == coder.StatusNormalClosure {
		return nil
	}
	return fmt.Errorf("want close 1000: %w", err)
}

func (k *coderConn) Close() { k.c.CloseNow() }

// The benchmark wire over wsConn (wire has the same for gorilla's
// connection, which the soak uses).

func readMessage(c wsConn) (string, error) {
	data, err := c.ReadData()
	if err != nil {
		return "", err
	}
	var m wire.Message
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("decode %.60q: %w", data, err)
	}
	if m.Message == nil {
		return "", fmt.Errorf(`decode %.60q: no "message"`, data)
	}
	return *m.Message, nil
}

func readEvent(c wsConn) (wire.Event, error) {
	var ev wire.Event
	data, err := c.ReadData()
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("decode event %.60q: %w", data, err)
	}
	return ev, nil
}

// endStream sends the JSON null that ends the client's side of a stream.
func endStream(c wsConn) error {
	if err := c.WriteText([]byte("null")); err != nil {
		return fmt.Errorf("send null: %w", err)
	}
	return nil
}
