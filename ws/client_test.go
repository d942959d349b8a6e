package ws_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"duplex.dev/ws"
)

// peer is a plain coder/websocket server on 127.0.0.1 standing in for a
// Duplex server, so that client tests depend on the library only.
type peer struct {
	URL string
	srv *httptest.Server

	mu    sync.Mutex
	conns []*websocket.Conn
	wg    sync.WaitGroup
}

// newPeer starts a server whose every WebSocket connection is handed to h.
// Cleanup closes every connection still open and waits for every handler.
func newPeer(t testing.TB, opts *websocket.AcceptOptions, h func(r *http.Request, c *websocket.Conn)) *peer {
	t.Helper()
	p := &peer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.wg.Add(1)
		p.mu.Unlock()
		defer p.wg.Done()
		defer c.CloseNow()
		h(r, c)
	}))
	p.URL = "ws" + strings.TrimPrefix(p.srv.URL, "http")
	t.Cleanup(p.Close)
	return p
}

// Close stops the server and waits for every handler; it is idempotent.
func (p *peer) Close() {
	p.srv.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.CloseNow()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// echo writes every frame back until the connection ends.
func echo(_ *http.Request, c *websocket.Conn) {
	ctx := context.Background()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, b); err != nil {
			return
		}
	}
}

// dial dials url, configured by cfg (at most one).
func dial(t testing.TB, url string, cfg ...ws.DialConfig) *ws.ClientConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var config ws.DialConfig
	if len(cfg) > 0 {
		config = cfg[0]
	}
	c, err := ws.Dial(ctx, url, config)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type chatMessage struct {
	Room string `json:"room"`
	Text string `json:"text"`
	N    int    `json:"n"`
}

func TestSendAndReceiveRoundTripJSON(t *testing.T) {
	p := newPeer(t, nil, echo)
	c := dial(t, p.URL)
	ctx := testContext(t)
	want := chatMessage{Room: "lobby", Text: "héllo", N: 7}
	if err := c.Send(ctx, want); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var got chatMessage
	if err := c.Receive(ctx, &got); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if got != want {
		t.Fatalf("Receive = %+v, want %+v", got, want)
	}
	if err := c.SendRaw(ctx, []byte(`{"room":"r","text":"raw","n":1}`)); err != nil {
		t.Fatalf("SendRaw: %v", err)
	}
	raw, err := c.ReceiveRaw(ctx)
	if err != nil || string(raw) != `{"room":"r","text":"raw","n":1}` {
		t.Fatalf("ReceiveRaw = %q, %v", raw, err)
	}
}

func TestReceiveReturnsEOFWhenServerClosesNormally(t *testing.T) {
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		ctx := context.Background()
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"text":"last"}`))
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	c := dial(t, p.URL)
	ctx := testContext(t)
	var m chatMessage
	if err := c.Receive(ctx, &m); err != nil || m.Text != "last" {
		t.Fatalf("first Receive = %+v, %v; want the message sent before the close", m, err)
	}
	if err := c.Receive(ctx, &m); err != io.EOF {
		t.Fatalf("Receive after close 1000 = %v, want io.EOF", err)
	}
	err := c.Send(ctx, m)
	if ws.CloseStatus(err) != ws.StatusNormalClosure {
		t.Fatalf("Send after close 1000 = %v, want a *CloseError with 1000", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the server closed = %v, want nil", err)
	}
}

func TestReceiveReturnsCloseErrorWithCodeAndReason(t *testing.T) {
	cases := []struct {
		code      ws.StatusCode
		reason    string
		retryable bool
	}{
		{ws.StatusGoingAway, "server shutting down", true},
		{ws.StatusInvalidPayload, `invalid JSON: "text" must be a string`, false},
		{ws.StatusPolicyViolation, "origin not allowed", false},
		{ws.StatusInternalError, "internal error", true},
		{ws.StatusTryAgainLater, "overloaded", true},
		{ws.StatusSlowConsumer, "slow consumer: send queue full (256 messages)", true},
		{ws.StatusResumeFailed, "resume token expired", false},
		{ws.StatusUnauthorized, "token revoked", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("close %d is returned with its reason", tc.code), func(t *testing.T) {
			p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
				_ = c.Close(websocket.StatusCode(tc.code), tc.reason)
			})
			c := dial(t, p.URL)
			var m chatMessage
			err := c.Receive(testContext(t), &m)
			var ce *ws.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("Receive = %v (%T), want *ws.CloseError", err, err)
			}
			if ce.Code != tc.code || ce.Reason != tc.reason {
				t.Fatalf("CloseError = %d %q, want %d %q", ce.Code, ce.Reason, tc.code, tc.reason)
			}
			if got := ws.Retryable(err); got != tc.retryable {
				t.Fatalf("Retryable(%v) = %v, want %v", err, got, tc.retryable)
			}
		})
	}
}

func TestDroppedConnectionIsAbnormalClosure(t *testing.T) {
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) { _ = c.CloseNow() })
	c := dial(t, p.URL)
	var m chatMessage
	err := c.Receive(testContext(t), &m)
	if ws.CloseStatus(err) != ws.StatusAbnormal {
		t.Fatalf("Receive after a drop = %v, want a *CloseError with 1006", err)
	}
	if !ws.Retryable(err) {
		t.Fatalf("Retryable(%v) = false, want true: a dropped connection is retried", err)
	}
}

func TestDialRefusedReturnsHTTPErrorWithServerText(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name     string
		status   int
		body     string
		wantBody string
	}{
		{"401 carries the server's text", http.StatusUnauthorized, "missing token\n", "missing token\n"},
		{"503 carries Retry-After", http.StatusServiceUnavailable, "too many connections", "too many connections"},
		{"a long body is cut to 1 KiB", http.StatusBadRequest, long, long[:1024]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := ws.Dial(testContext(t), srv.URL+"/chat?token=secret", ws.DialConfig{})
			var herr *ws.HTTPError
			if !errors.As(err, &herr) {
				t.Fatalf("Dial = %v (%T), want *ws.HTTPError", err, err)
			}
			if herr.StatusCode != tc.status || herr.Body != tc.wantBody || herr.Header.Get("Retry-After") != "3" {
				t.Fatalf("HTTPError = %d %q (Retry-After %q), want %d %q", herr.StatusCode, herr.Body, herr.Header.Get("Retry-After"), tc.status, tc.wantBody)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error %q leaks the query string", err)
			}
		})
	}
}

func TestDialRejectsUnusableURLs(t *testing.T) {
	for _, u := range []string{"ftp://127.0.0.1/x", "ws://", "::not a url"} {
		_, err := ws.Dial(testContext(t), u, ws.DialConfig{})
		if err == nil {
			t.Fatalf("Dial(%q) succeeded", u)
		}
		if ws.Retryable(err) {
			t.Fatalf("Retryable(Dial(%q)) = true, want false: retrying cannot fix a URL", u)
		}
	}
}

func TestSendFromManyGoroutinesDeliversEveryMessageOnce(t *testing.T) {
	const senders, perSender = 20, 50
	p := newPeer(t, nil, echo)
	c := dial(t, p.URL)
	ctx := testContext(t)

	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for g := range senders {
		wg.Go(func() {
			for i := range perSender {
				if err := c.Send(ctx, chatMessage{Room: fmt.Sprint(g), N: i}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	next := make([]int, senders) // per sender, the next N expected: frames from one goroutine keep their order
	for range senders * perSender {
		var m chatMessage
		if err := c.Receive(ctx, &m); err != nil {
			t.Fatalf("Receive: %v", err)
		}
		var g int
		if _, err := fmt.Sscan(m.Room, &g); err != nil || g < 0 || g >= senders {
			t.Fatalf("received a corrupted message %+v", m)
		}
		if m.N != next[g] {
			t.Fatalf("sender %d: got message %d, want %d", g, m.N, next[g])
		}
		next[g]++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Send: %v", err)
	}
}

func TestCloseSendSendsJSONNull(t *testing.T) {
	frames := make(chan string, 8)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		defer close(frames)
		for {
			typ, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			frames <- fmt.Sprintf("%v %s", typ, b)
			if string(b) == "null" {
				_ = c.Close(websocket.StatusNormalClosure, "")
				return
			}
		}
	})
	c := dial(t, p.URL)
	ctx := testContext(t)
	if err := c.Send(ctx, 1); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := c.CloseSend(ctx); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	var v any
	if err := c.Receive(ctx, &v); err != io.EOF {
		t.Fatalf("Receive after the server's close 1000 = %v, want io.EOF", err)
	}
	var got []string
	for f := range frames {
		got = append(got, f)
	}
	want := []string{"MessageText 1", "MessageText null"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("server read %q, want %q", got, want)
	}
}

func TestCloseSendsNormalClosureAndReleasesEverything(t *testing.T) {
	leaksBefore := goleak.IgnoreCurrent()
	closed := make(chan error, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_, _, err := c.Read(context.Background())
		closed <- err
	})
	c := dial(t, p.URL)
	received := make(chan error, 1)
	go func() {
		var v any
		received <- c.Receive(context.Background(), &v)
	}()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-received; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("blocked Receive returned %v after Close, want net.ErrClosed", err)
	}
	if code := websocket.CloseStatus(<-closed); code != websocket.StatusNormalClosure {
		t.Fatalf("server saw close %v, want 1000", code)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if err := c.Send(context.Background(), 1); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after Close = %v, want net.ErrClosed", err)
	}
	p.Close()
	goleak.VerifyNone(t, leaksBefore)
}

func TestCloseFlushesQueuedMessages(t *testing.T) {
	const n = 200
	got := make(chan int, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		count := 0
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				got <- count
				return
			}
			count++
		}
	})
	c := dial(t, p.URL)
	for i := range n {
		if err := c.Send(testContext(t), i); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if count := <-got; count != n {
		t.Fatalf("server read %d messages before the close, want %d", count, n)
	}
}

func TestReceiveHonoursItsContext(t *testing.T) {
	p := newPeer(t, nil, echo)
	c := dial(t, p.URL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var v any
	if err := c.Receive(ctx, &v); !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive with a cancelled context = %v, want context.Canceled", err)
	}
	// The connection is still usable afterwards.
	if err := c.Send(testContext(t), "still here"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := c.Receive(testContext(t), &v); err != nil || v != "still here" {
		t.Fatalf("Receive = %v, %v", v, err)
	}
}

func TestCancellingTheDialContextKeepsTheConnection(t *testing.T) {
	p := newPeer(t, nil, echo)
	ctx, cancel := context.WithCancel(t.Context())
	c, err := ws.Dial(ctx, p.URL, ws.DialConfig{})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	cancel()
	if err := c.Send(testContext(t), 42); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var v int
	if err := c.Receive(testContext(t), &v); err != nil || v != 42 {
		t.Fatalf("Receive = %v, %v; want 42", v, err)
	}
}

func TestDialNegotiatesSubprotocolAndSendsHeaders(t *testing.T) {
	auth := make(chan string, 1)
	p := newPeer(t, &websocket.AcceptOptions{Subprotocols: []string{"duplex.v1"}}, func(r *http.Request, c *websocket.Conn) {
		auth <- r.Header.Get("Authorization")
		echo(r, c)
	})
	c := dial(t, p.URL, ws.DialConfig{Subprotocols: []string{"duplex.v2", "duplex.v1"}, Header: http.Header{"Authorization": {"Bearer abc"}}, HTTPClient: &http.Client{}})
	if got := c.Subprotocol(); got != "duplex.v1" {
		t.Fatalf("Subprotocol = %q, want duplex.v1", got)
	}
	if got := <-auth; got != "Bearer abc" {
		t.Fatalf("server saw Authorization %q, want the DialConfig.Header value", got)
	}
	plain := dial(t, p.URL)
	if got := plain.Subprotocol(); got != "" {
		t.Fatalf("Subprotocol without asking = %q, want empty", got)
	}
	<-auth
}

func TestCompressionRoundTrip(t *testing.T) {
	p := newPeer(t, &websocket.AcceptOptions{CompressionMode: websocket.CompressionNoContextTakeover}, echo)
	c := dial(t, p.URL, ws.DialConfig{Compression: true})
	ctx := testContext(t)
	big := strings.Repeat("compressible ", 500)
	if err := c.Send(ctx, big); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var got string
	if err := c.Receive(ctx, &got); err != nil || got != big {
		t.Fatalf("Receive = %d bytes, %v; want the %d bytes sent", len(got), err, len(big))
	}
}

func TestFrameAboveReadLimitCloses1009(t *testing.T) {
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`"`+strings.Repeat("a", 200)+`"`))
		_, _, _ = c.Read(context.Background())
	})
	c := dial(t, p.URL, ws.DialConfig{ReadLimit: 100})
	var v string
	err := c.Receive(testContext(t), &v)
	if ws.CloseStatus(err) != ws.StatusMessageTooBig || ws.Retryable(err) {
		t.Fatalf("Receive of a frame above the limit = %v, want a non-retryable *CloseError with 1009", err)
	}
}

func TestBinaryFrameCloses1003(t *testing.T) {
	closed := make(chan error, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3})
		_, _, err := c.Read(context.Background())
		closed <- err
	})
	c := dial(t, p.URL)
	var v any
	err := c.Receive(testContext(t), &v)
	if ws.CloseStatus(err) != ws.StatusUnsupportedData {
		t.Fatalf("Receive of a binary frame = %v, want a *CloseError with 1003", err)
	}
	if code := websocket.CloseStatus(<-closed); code != websocket.StatusUnsupportedData {
		t.Fatalf("server saw close %v, want 1003", code)
	}
}

// TestMalformedJSONCloses1007 checks that the client answers a frame that
// is not JSON as the server does (see ws.Decode): close 1007 naming the
// problem, sent to the server and returned by Receive, then and later.
func TestMalformedJSONCloses1007(t *testing.T) {
	closed := make(chan error, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`{"n":`))
		_, _, err := c.Read(context.Background())
		closed <- err
	})
	c := dial(t, p.URL)
	ctx := testContext(t)
	const reason = "invalid JSON: unexpected end of JSON input"
	var m chatMessage
	var ce *ws.CloseError
	if err := c.Receive(ctx, &m); !errors.As(err, &ce) || ce.Code != ws.StatusInvalidPayload || ce.Reason != reason {
		t.Fatalf("Receive of malformed JSON = %v, want close 1007 %q", err, reason)
	}
	var wce websocket.CloseError
	if err := <-closed; !errors.As(err, &wce) || wce.Code != websocket.StatusInvalidFramePayloadData || wce.Reason != reason {
		t.Fatalf("server saw %v, want close 1007 %q", err, reason)
	}
	if err := c.Receive(ctx, &m); !errors.As(err, &ce) || ce.Code != ws.StatusInvalidPayload || ce.Reason != reason {
		t.Fatalf("Receive after the refusal = %v, want the same close", err)
	}
}

// stateRecorder collects the states DialConfig.StateFunc reports.
type stateRecorder struct {
	mu     sync.Mutex
	states []ws.State
	closed chan struct{}
}

func newStateRecorder() *stateRecorder { return &stateRecorder{closed: make(chan struct{})} }

func (r *stateRecorder) record(s ws.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
	if s == ws.Closed {
		close(r.closed)
	}
}

func (r *stateRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprint(r.states)
}

func TestStateFuncReportsTheLifeCycle(t *testing.T) {
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Close(websocket.StatusGoingAway, "bye")
	})
	rec := newStateRecorder()
	c := dial(t, p.URL, ws.DialConfig{StateFunc: rec.record})
	<-rec.closed
	if got, want := rec.String(), "[connecting connected closed]"; got != want {
		t.Fatalf("states = %s, want %s", got, want)
	}
	_ = c.Close()
	if got, want := rec.String(), "[connecting connected closed]"; got != want {
		t.Fatalf("states after Close = %s, want %s (Closed once)", got, want)
	}
}

func BenchmarkClientRoundTrip(b *testing.B) {
	p := newPeer(b, nil, echo)
	c := dial(b, p.URL)
	ctx := context.Background()
	msg := chatMessage{Room: "lobby", Text: "hello, world", N: 1}
	var got chatMessage
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if err := c.Receive(ctx, &got); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSendHonoursItsContextWhenTheQueueIsFullAndLosesNothingItAccepted(t *testing.T) {
	release := make(chan struct{})
	read := make(chan int, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		<-release // not reading: the client's socket buffers and send queue fill up
		n := 0
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				read <- n
				return
			}
			n++
		}
	})
	c := dial(t, p.URL)
	frame := []byte(`"` + strings.Repeat("x", 16<<10) + `"`)

	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	var accepted atomic.Int64
	var err error
	for range 5000 { // 80 MiB at most; the queue and socket buffers hold far less
		if err = c.SendRaw(ctx, frame); err != nil {
			break
		}
		accepted.Add(1)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send on a full queue = %v after %d frames, want context.DeadlineExceeded", err, accepted.Load())
	}

	// A Send blocked on the full queue when Close starts either gets its
	// frame queued (and flushed) or returns net.ErrClosed.
	blocked := make(chan error, 1)
	go func() {
		err := c.SendRaw(context.Background(), frame)
		if err == nil {
			accepted.Add(1)
		}
		blocked <- err
	}()
	close(release)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-blocked; err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send blocked during Close = %v, want nil or net.ErrClosed", err)
	}
	if got := <-read; int64(got) != accepted.Load() {
		t.Fatalf("server read %d frames, client accepted %d", got, accepted.Load())
	}
}
