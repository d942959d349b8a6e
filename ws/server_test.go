package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	duplex "duplex.dev"
)

// testServer is a real HTTP server on 127.0.0.1 with one ws.Server behind
// two paths: /stream runs the handler under test, /echo a well-behaved echo
// stream used to show that one bad connection does not disturb others.
type testServer struct {
	*httptest.Server
	ws   *Server
	mux  *http.ServeMux // more routes may be added
	logs *syncBuffer
	// done receives what Handle returned, once per /stream request.
	done chan error
	// released receives every connection the server released (Handle
	// returns at the upgrade; the handler's goroutine releases it later).
	released chan *Conn
}

type handlerFunc = func(ctx context.Context, c *Conn) error

func startServer(t *testing.T, h handlerFunc, cfgs ...Config) *testServer {
	t.Helper()
	return startServerOn(t, nil, h, cfgs...)
}

// startServerOn is startServer with the listener wrapped by wrap, if any.
func startServerOn(t *testing.T, wrap func(net.Listener) net.Listener, h handlerFunc, cfgs ...Config) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := &testServer{logs: logs, done: make(chan error, 256), released: make(chan *Conn, 256)}
	cfg := Config{Logger: logger}
	for _, c := range cfgs {
		overlay(&cfg, c)
	}
	ts.ws = NewServer(cfg)
	ts.ws.released = func(c *Conn) {
		select {
		case ts.released <- c:
		default: // nobody counts them in this test
		}
	}
	streamEP := &Endpoint{Service: "test", Method: "stream"}
	echoEP := &Endpoint{Service: "test", Method: "echo"}
	mux := http.NewServeMux()
	ts.mux = mux
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		err := ts.ws.Handle(w, r, streamEP, h)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
		ts.done <- err
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		_ = ts.ws.Handle(w, r, echoEP, echoHandler)
	})
	ts.Server = httptest.NewUnstartedServer(mux)
	if wrap != nil {
		ts.Listener = wrap(ts.Listener)
	}
	ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.ws.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return ts
}

func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dial opens a client connection with coder/websocket itself.
func (ts *testServer) dial(t *testing.T, path string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ts.wsURL(path), opts)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	c.SetReadLimit(8 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// handlerResult waits for what Handle returned for one /stream request.
func (ts *testServer) handlerResult(t *testing.T) error {
	t.Helper()
	select {
	case err := <-ts.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Handle did not return")
		return nil
	}
}

// waitReleased waits until the server has released the connection whose
// ID is id.
func (ts *testServer) waitReleased(t *testing.T, id string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-ts.released:
			if c.ID() == id {
				return
			}
		case <-timeout:
			t.Fatalf("connection %s was not released", id)
		}
	}
}

// waitRelease waits until the server has released one more connection
// (Handle returns at the upgrade; the handler's goroutine releases it).
func (ts *testServer) waitRelease(t *testing.T) {
	t.Helper()
	select {
	case <-ts.released:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection was released")
	}
}

// endsNormally reads c up to its close frame, which must be 1000, and
// waits for Handle, which must return nil.
func (ts *testServer) endsNormally(t *testing.T, c *websocket.Conn) {
	t.Helper()
	if ce := readClose(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close = %d %q, want 1000", ce.Code, ce.Reason)
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
}

func echoHandler(ctx context.Context, c *Conn) error {
	for {
		var v json.RawMessage
		if err := c.Receive(ctx, &v); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := c.SendRaw(v); err != nil {
			return err
		}
	}
}

// peer is a well-behaved client of /echo that reads all the time, so it
// answers pings, and checks that its messages come back.
type peer struct {
	conn *websocket.Conn
	msgs chan []byte
	done chan struct{}
	n    int
}

func (ts *testServer) goodPeer(t *testing.T) *peer {
	t.Helper()
	p := &peer{conn: ts.dial(t, "/echo", nil), msgs: make(chan []byte, 16), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.msgs)
		for {
			_, b, err := p.conn.Read(context.Background())
			if err != nil {
				return
			}
			p.msgs <- b
		}
	}()
	t.Cleanup(func() {
		_ = p.conn.Close(websocket.StatusNormalClosure, "")
		<-p.done
	})
	p.echoes(t)
	return p
}

// echoes fails the test unless a message sent now comes back.
func (p *peer) echoes(t *testing.T) {
	t.Helper()
	p.n++
	want := fmt.Sprintf(`{"n":%d}`, p.n)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.conn.Write(ctx, websocket.MessageText, []byte(want)); err != nil {
		t.Fatalf("well-behaved connection: write: %v", err)
	}
	select {
	case got, ok := <-p.msgs:
		if !ok {
			t.Fatal("well-behaved connection was closed")
		}
		if string(got) != want {
			t.Fatalf("well-behaved connection echoed %s, want %s", got, want)
		}
	case <-ctx.Done():
		t.Fatal("well-behaved connection: no echo")
	}
}

// readClose reads until the connection ends and returns the close frame
// the server sent (Code -1 when there was none).
func readClose(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		if ctx.Err() != nil {
			t.Fatalf("no close frame: %v", err)
		}
		return websocket.CloseError{Code: -1, Reason: err.Error()}
	}
}

func write(t *testing.T, c *websocket.Conn, typ websocket.MessageType, b []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, typ, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type chatMessage struct {
	Name *string `json:"name"`
	Text string  `json:"text"`
}

func validateChat(m *chatMessage) error {
	if m.Name == nil {
		return duplex.MissingFieldError("name", "body")
	}
	return nil
}

// TestBadInputClosesWithCode covers the rows of DESIGN.md's bad-input table
// that end in a close frame: each bad frame gets its code and reason, and a
// well-behaved connection on the same server keeps echoing.
func TestBadInputClosesWithCode(t *testing.T) {
	validating := func(mark func(error) error) handlerFunc {
		return func(ctx context.Context, c *Conn) error {
			for {
				var m chatMessage
				if err := c.Receive(ctx, &m); err != nil {
					return err
				}
				if err := validateChat(&m); err != nil {
					return mark(err)
				}
				if err := c.Send(ctx, m); err != nil {
					return err
				}
			}
		}
	}
	cases := []struct {
		name       string
		handler    handlerFunc
		cfg        Config
		typ        websocket.MessageType
		frame      []byte
		code       websocket.StatusCode
		reasonPart string
	}{
		{
			name: "malformed JSON closes 1007 naming the problem", handler: echoHandler,
			typ: websocket.MessageText, frame: []byte(`{"text": "hi"`),
			code: websocket.StatusInvalidFramePayloadData, reasonPart: "invalid JSON: unexpected end of JSON input",
		},
		{
			name: "JSON of the wrong type closes 1007 naming the attribute", handler: validating(func(err error) error { return err }),
			typ: websocket.MessageText, frame: []byte(`{"name": "a", "text": 42}`),
			code: websocket.StatusInvalidFramePayloadData, reasonPart: "chatMessage.text",
		},
		{
			name: "a duplex validation error closes 1007 naming the attribute", handler: validating(func(err error) error { return err }),
			typ: websocket.MessageText, frame: []byte(`{"text": "hi"}`),
			code: websocket.StatusInvalidFramePayloadData, reasonPart: `"name" is missing from body`,
		},
		{
			name: "an error with CodeInvalid closes 1007 with its text", handler: validating(func(err error) error {
				return &duplex.Error{Code: duplex.CodeInvalid, Err: errors.New("name is required")}
			}),
			typ: websocket.MessageText, frame: []byte(`{"text": "hi"}`),
			code: websocket.StatusInvalidFramePayloadData, reasonPart: "name is required",
		},
		{
			name: "a binary frame closes 1003", handler: echoHandler,
			typ: websocket.MessageBinary, frame: []byte{1, 2, 3},
			code: websocket.StatusUnsupportedData, reasonPart: "binary frames are not supported; send JSON text",
		},
		{
			name: "a frame above the default 1 MiB read limit closes 1009", handler: echoHandler,
			typ: websocket.MessageText, frame: bytes.Repeat([]byte("a"), 2<<20),
			code: websocket.StatusMessageTooBig, reasonPart: "message too big: the limit is 1048576 bytes",
		},
		{
			name: "a frame above a configured read limit closes 1009", handler: echoHandler, cfg: Config{ReadLimit: 100},
			typ: websocket.MessageText, frame: []byte(`"` + strings.Repeat("a", 100) + `"`),
			code: websocket.StatusMessageTooBig, reasonPart: "message too big: the limit is 100 bytes",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.handler, tc.cfg)
			good := ts.goodPeer(t)
			bad := ts.dial(t, "/stream", nil)
			write(t, bad, tc.typ, tc.frame)
			ce := readClose(t, bad)
			if ce.Code != tc.code || !strings.Contains(ce.Reason, tc.reasonPart) {
				t.Errorf("close = %d %q, want %d containing %q", ce.Code, ce.Reason, tc.code, tc.reasonPart)
			}
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle returned %v after the upgrade, want nil", err)
			}
			good.echoes(t)
		})
	}
}

func TestNonWebSocketRequestIsAnsweredAsHTTP(t *testing.T) {
	ts := startServer(t, echoHandler)
	good := ts.goodPeer(t)
	cases := []struct {
		name   string
		method string
		header map[string]string
		status int
		body   string
	}{
		{name: "plain GET gets 426", method: http.MethodGet, status: http.StatusUpgradeRequired, body: "this is a WebSocket endpoint"},
		{name: "POST upgrade gets 405", method: http.MethodPost, header: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, status: http.StatusMethodNotAllowed, body: "requires GET"},
		{name: "a broken key gets 400", method: http.MethodGet, header: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short"}, status: http.StatusBadRequest, body: "invalid Sec-WebSocket-Key"},
		{name: "an old protocol version gets 400", method: http.MethodGet, header: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, status: http.StatusBadRequest, body: "Sec-WebSocket-Version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+"/stream", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, body, tc.status, tc.body)
			}
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle returned %v, want nil (it answered itself)", err)
			}
			good.echoes(t)
		})
	}
}

func TestHandlerPanicCloses1011AndServerKeepsServing(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		var v string
		if err := c.Receive(ctx, &v); err != nil {
			return err
		}
		panic("handler bug: " + v)
	})
	good := ts.goodPeer(t)
	bad := ts.dial(t, "/stream", nil)
	write(t, bad, websocket.MessageText, []byte(`"boom"`))
	ce := readClose(t, bad)
	if ce.Code != websocket.StatusInternalError || ce.Reason != "internal error" {
		t.Errorf("close = %d %q, want 1011 %q", ce.Code, ce.Reason, "internal error")
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle returned %v", err)
	}
	logs := ts.logs.String()
	for _, want := range []string{"stream handler panicked", "handler bug: boom", "server_test.go"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q (the panic and its stack):\n%s", want, logs)
		}
	}
	good.echoes(t)
	again := ts.dial(t, "/stream", nil)
	write(t, again, websocket.MessageText, []byte(`"again"`))
	if ce := readClose(t, again); ce.Code != websocket.StatusInternalError {
		t.Errorf("second panic: close = %d, want 1011", ce.Code)
	}
	ts.handlerResult(t)
}

func TestHandlerPanicBeforeUpgradeIs500(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error { panic("early") })
	good := ts.goodPeer(t)
	_, resp, err := websocket.Dial(context.Background(), ts.wsURL("/stream"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("dial: %v, response %v; want HTTP 500", err, resp)
	}
	ts.handlerResult(t)
	good.echoes(t)
}

func TestErrorBeforeUpgradeIsReturnedForHTTP(t *testing.T) {
	errUnauthorized := errors.New("missing token")
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		if c.Request().URL.Query().Get("token") != "secret" {
			return errUnauthorized
		}
		return c.Send(ctx, "welcome")
	})
	good := ts.goodPeer(t)
	_, resp, err := websocket.Dial(context.Background(), ts.wsURL("/stream"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial without token: %v, %v; want HTTP 401 written by the caller", err, resp)
	}
	if got := ts.handlerResult(t); !errors.Is(got, errUnauthorized) {
		t.Errorf("Handle returned %v, want the handler's error", got)
	}
	// A plain GET (what a browser can send to learn why its WebSocket was
	// refused) gets the handler's refusal too, and 426 once the handler
	// gets as far as using the stream.
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/stream", 0, ""}, // the handler's error, written by the caller
		{"/stream?token=secret", http.StatusUpgradeRequired, "this is a WebSocket endpoint"},
	} {
		resp, err := ts.Client().Get(ts.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := ts.handlerResult(t)
		if tc.status == 0 {
			if !errors.Is(got, errUnauthorized) {
				t.Errorf("plain GET %s: Handle returned %v (answered %d %q), want the handler's error", tc.path, got, resp.StatusCode, body)
			}
			continue
		}
		if got != nil || resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("plain GET %s: Handle returned %v, answered %d %q; want nil and %d containing %q", tc.path, got, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	c := ts.dial(t, "/stream?token=secret", nil)
	_, b, err := c.Read(context.Background())
	if err != nil || string(b) != `"welcome"` {
		t.Fatalf("read = %s, %v", b, err)
	}
	ts.endsNormally(t, c)
	if strings.Contains(ts.logs.String(), "secret") {
		t.Errorf("log leaks the token:\n%s", ts.logs.String())
	}
	good.echoes(t)
}

func TestSilentPeerIsReleasedAfterHeartbeatTimeout(t *testing.T) {
	handlerErr := make(chan error, 1)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		var v any
		err := c.Receive(ctx, &v)
		handlerErr <- err
		if !errors.Is(context.Cause(ctx), ErrHeartbeatTimeout) {
			t.Errorf("context cause = %v, want ErrHeartbeatTimeout", context.Cause(ctx))
		}
		return err
	}, Config{HeartbeatInterval: 50 * time.Millisecond, HeartbeatTimeout: 200 * time.Millisecond})
	good := ts.goodPeer(t)
	// A coder/websocket client that never reads never answers pings.
	silent := ts.dial(t, "/stream", nil)
	select {
	case err := <-handlerErr:
		if !errors.Is(err, ErrHeartbeatTimeout) {
			t.Errorf("Receive = %v, want ErrHeartbeatTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("silent peer was never detected")
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
	ts.waitRelease(t)
	if n := ts.ws.Len(); n != 1 {
		t.Errorf("Len = %d after release, want 1 (the well-behaved peer)", n)
	}
	if ce := readClose(t, silent); ce.Code != -1 {
		t.Errorf("silent peer got close %d; a dead peer is dropped without a handshake", ce.Code)
	}
	if !strings.Contains(ts.logs.String(), "missed heartbeat") {
		t.Errorf("no heartbeat event logged:\n%s", ts.logs.String())
	}
	good.echoes(t)
}

// TestPeerThatFallsSilentIsReleasedWithinIntervalPlusTimeout: a peer that
// talked and then falls silent (a blackhole) is released within the
// heartbeat interval plus timeout after its last frame, wherever that frame
// fell between two beats (here just after one, the worst case of a fixed
// beat, which took two intervals plus the timeout).
func TestPeerThatFallsSilentIsReleasedWithinIntervalPlusTimeout(t *testing.T) {
	const interval, timeout = 3 * time.Second, 500 * time.Millisecond
	released := make(chan time.Time, 1)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		for {
			var v any
			if err := c.Receive(ctx, &v); err != nil {
				released <- time.Now()
				return err
			}
		}
	}, Config{HeartbeatInterval: interval, HeartbeatTimeout: timeout})
	peer := ts.dial(t, "/stream", nil) // never reads, so never answers a ping
	upgraded := time.Now()
	// Talk until just after the first beat, then fall silent.
	var last time.Time
	for time.Since(upgraded) < interval+200*time.Millisecond {
		write(t, peer, websocket.MessageText, []byte(`"tick"`))
		last = time.Now()
		time.Sleep(100 * time.Millisecond) // the peer's pace
	}
	select {
	case at := <-released:
		if took, bound := at.Sub(last), interval+timeout+1500*time.Millisecond; took > bound {
			t.Errorf("released %v after the last frame, want within %v (interval + timeout + margin)", took.Round(time.Millisecond), bound)
		}
	case <-time.After(3*interval + timeout):
		t.Fatal("the silent peer was never released")
	}
	ts.handlerResult(t)
}
