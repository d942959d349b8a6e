package ws_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/ws"
)

// These tests cut a default-wire stream (docs/protocol.md, section 1: no
// duplex.v1, so nothing is resumed) between a real ws.Server and a real
// ws.ClientConn with a TCP proxy, and check the client's error is the
// classified one of sections 1.4 and 1.5: close 1006 "abnormal closure",
// which ws.Retryable says to retry, while a server's close 1008 "policy
// violation" says not to.

// cutProxy forwards TCP between a client and a server until cut resets
// both sides, as a dropped network would, or until the server-to-client
// direction has forwarded cutAfter bytes (0: never), which cuts in the
// middle of whatever frame is crossing.
type cutProxy struct {
	ln       net.Listener
	target   string
	cutAfter int

	mu     sync.Mutex
	conns  []*net.TCPConn
	moved  int // server-to-client bytes forwarded
	cuts   int
	cutNow chan struct{} // closed by the first cut
	wg     sync.WaitGroup
}

func newCutProxy(t *testing.T, target string, cutAfter int) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, cutAfter: cutAfter, cutNow: make(chan struct{})}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) url() string { return "ws://" + p.ln.Addr().String() + "/stream" }

func (p *cutProxy) accept() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		d, u := down.(*net.TCPConn), up.(*net.TCPConn)
		p.mu.Lock()
		p.conns = append(p.conns, d, u)
		p.mu.Unlock()
		p.wg.Go(func() { p.copy(u, d, false) })
		p.wg.Go(func() { p.copy(d, u, true) })
	}
}

// copy forwards src to dst; toClient counts bytes toward cutAfter.
func (p *cutProxy) copy(dst, src *net.TCPConn, toClient bool) {
	buf := make([]byte, 512)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if toClient && p.cutAfter > 0 {
				p.mu.Lock()
				room := p.cutAfter - p.moved
				p.moved += min(n, max(room, 0))
				p.mu.Unlock()
				if room <= n {
					_, _ = dst.Write(buf[:max(room, 0)])
					p.cut()
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				p.cut()
				return
			}
		}
		if err != nil {
			p.cut()
			return
		}
	}
}

// reset closes c with an RST rather than a FIN: the peer sees "connection
// reset", not an orderly end.
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}

// cut resets every connection proxied so far, both sides. Connections
// accepted later are forwarded normally.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cuts == 0 {
		close(p.cutNow)
	}
	p.cuts++
	for _, c := range p.conns {
		reset(c)
	}
	p.conns = nil
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}

// plainServer is a real ws.Server on the default wire. Its handler echoes
// what it receives; the message "stream" makes it send numbered messages
// (1, 2, 3 …, at most 100,000) until the connection fails; the message
// "forbidden" makes it end the stream with close 1008. Every handler's
// result goes to ended.
type plainServer struct {
	addr  string
	ended chan error
}

func startPlainServer(t *testing.T) *plainServer {
	t.Helper()
	wsrv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)})
	ep := &ws.Endpoint{Service: "test", Method: "stream"}
	s := &plainServer{ended: make(chan error, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			err := s.handle(ctx, c)
			s.ended <- err
			return err
		})
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		srv.Close()
	})
	s.addr = srv.Listener.Addr().String()
	return s
}

func (s *plainServer) handle(ctx context.Context, c *ws.Conn) error {
	for {
		var v string
		if err := c.Receive(ctx, &v); err != nil {
			return err
		}
		switch v {
		case "forbidden":
			return &ws.CloseError{Code: ws.StatusPolicyViolation, Reason: "not allowed to listen here"}
		case "stream":
			for n := 1; n <= 100_000; n++ {
				if err := c.Send(ctx, n); err != nil {
					return err
				}
			}
			return errors.New("the cut never came")
		}
		if err := c.Send(ctx, v); err != nil {
			return err
		}
	}
}

// awaitHandlerEnd waits (bounded) for the server's handler to return, so
// the test shows the server side let go of the cut connection too.
func (s *plainServer) awaitHandlerEnd(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.ended:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the server's handler did not return after the cut")
		return nil
	}
}

// assertAbnormal checks err is the dropped-connection error of
// docs/protocol.md 1.4: a *ws.CloseError with code 1006, retryable.
func assertAbnormal(t *testing.T, what string, err error) {
	t.Helper()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusAbnormal {
		t.Fatalf("%s = %v (%T), want a *ws.CloseError with code 1006", what, err, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("%s = %v: the context ended before the cut was noticed", what, err)
	}
	if !ws.Retryable(err) {
		t.Fatalf("ws.Retryable(%v) = false, want true for a dropped connection", err)
	}
}

func TestPlainStreamCutFailsWithRetryable1006(t *testing.T) {
	srv := startPlainServer(t)
	proxy := newCutProxy(t, srv.addr, 0)
	ctx := testContext(t)
	c, err := ws.Dial(ctx, proxy.url(), ws.DialConfig{})
	if err != nil {
		t.Fatalf("Dial through the proxy: %v", err)
	}
	defer c.Close()
	if c.Subprotocol() != "" {
		t.Fatalf("subprotocol %q, want the default wire", c.Subprotocol())
	}
	for _, text := range []string{"one", "two", "three"} {
		if err := c.Send(ctx, text); err != nil {
			t.Fatalf("Send(%q): %v", text, err)
		}
		var got string
		if err := c.Receive(ctx, &got); err != nil || got != text {
			t.Fatalf("Receive = %q, %v; want the echo %q", got, err, text)
		}
	}

	proxy.cut()

	var v string
	err = c.Receive(ctx, &v)
	assertAbnormal(t, "Receive after the cut", err)
	// The connection is over for Send too, with the same classification.
	if err := c.Send(ctx, "after the cut"); err == nil {
		t.Fatal("Send after the cut succeeded")
	} else {
		assertAbnormal(t, "Send after the cut", err)
	}
	// Later calls keep failing the same way (no hang, no io.EOF).
	assertAbnormal(t, "second Receive after the cut", c.Receive(ctx, &v))
	if err := srv.awaitHandlerEnd(t); err == nil {
		t.Fatal("the server's handler returned nil after the cut, want the connection's error")
	}
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Logf("Close after the cut: %v", err)
	}
}

func TestPlainStreamCutMidFrameFailsWithRetryable1006(t *testing.T) {
	srv := startPlainServer(t)
	// 2,500 bytes into the server's messages: well inside the stream and,
	// with frames of 3 to 7 bytes, most likely inside a frame.
	proxy := newCutProxy(t, srv.addr, 2500)
	ctx := testContext(t)
	c, err := ws.Dial(ctx, proxy.url(), ws.DialConfig{})
	if err != nil {
		t.Fatalf("Dial through the proxy: %v", err)
	}
	defer c.Close()
	if err := c.Send(ctx, "stream"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := 1
	for {
		var n int
		err := c.Receive(ctx, &n)
		if err != nil {
			assertAbnormal(t, "Receive after the cut", err)
			break
		}
		if n != want {
			t.Fatalf("received %d, want %d: the default wire delivers in order until the cut", n, want)
		}
		want++
	}
	if want < 100 {
		t.Fatalf("only %d messages arrived before the cut, want the cut mid-stream", want-1)
	}
	select {
	case <-proxy.cutNow:
	default:
		t.Fatal("Receive failed but the proxy never cut")
	}
	if err := srv.awaitHandlerEnd(t); err == nil {
		t.Fatal("the server's handler returned nil after the cut, want the connection's error")
	}
}

func TestPlainStreamPolicyCloseIsNotRetryable(t *testing.T) {
	srv := startPlainServer(t)
	proxy := newCutProxy(t, srv.addr, 0)
	ctx := testContext(t)
	c, err := ws.Dial(ctx, proxy.url(), ws.DialConfig{})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if err := c.Send(ctx, "forbidden"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var v string
	err = c.Receive(ctx, &v)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusPolicyViolation {
		t.Fatalf("Receive = %v, want a *ws.CloseError with code 1008", err)
	}
	if !strings.Contains(ce.Reason, "not allowed") {
		t.Fatalf("reason %q, want the handler's", ce.Reason)
	}
	if ws.Retryable(err) {
		t.Fatalf("ws.Retryable(%v) = true, want false for 1008", err)
	}
	if err := srv.awaitHandlerEnd(t); ws.CloseStatus(err) != ws.StatusPolicyViolation {
		t.Fatalf("handler returned %v", err)
	}
}

// TestReconnectAfterCutRetriesButNotAfterPolicyClose runs Reconnect over the
// proxy: the cut (1006) makes it dial again after one backoff delay, the
// 1008 that follows ends it at once. Delays go through WithRetrySleep:
// nothing sleeps.
func TestReconnectAfterCutRetriesButNotAfterPolicyClose(t *testing.T) {
	srv := startPlainServer(t)
	proxy := newCutProxy(t, srv.addr, 0)
	var delays []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return ctx.Err()
	}
	sessions := 0
	err := ws.Reconnect(testContext(t), proxy.url(), func(ctx context.Context, c *ws.ClientConn) error {
		sessions++
		var v string
		if sessions == 1 {
			if err := c.Send(ctx, "hello"); err != nil {
				return err
			}
			if err := c.Receive(ctx, &v); err != nil {
				return err
			}
			proxy.cut()
			err := c.Receive(ctx, &v)
			if ws.CloseStatus(err) != ws.StatusAbnormal {
				t.Errorf("Receive after the cut = %v, want close 1006", err)
			}
			return err
		}
		if err := c.Send(ctx, "forbidden"); err != nil {
			return err
		}
		return c.Receive(ctx, &v)
	}, ws.WithRetrySleep(ws.DialConfig{Retry: &ws.RetryPolicy{Initial: time.Hour, Max: time.Hour}}, sleep))
	if ws.CloseStatus(err) != ws.StatusPolicyViolation {
		t.Fatalf("Reconnect = %v, want the 1008 close", err)
	}
	if sessions != 2 {
		t.Fatalf("%d sessions ran, want 2 (the cut one, then the 1008 one)", sessions)
	}
	if len(delays) != 1 || delays[0] > time.Hour {
		t.Fatalf("backoff delays %v, want one, at most the 1h ceiling", delays)
	}
}
