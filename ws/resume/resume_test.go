package resume_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/hub"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// waitFor returns the value ch delivers, failing the test after d.
func waitFor[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
		panic("unreachable")
	}
}

// TestGraceExpiry: a client that comes back after the grace period gets
// close 4500, and its Receive a clear ErrResumeFailed.
func TestGraceExpiry(t *testing.T) {
	causes := make(chan error, 1)
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Send(ctx, msg{N: 1}); err != nil {
			return err
		}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil
	}, resume.WithGrace(100*time.Millisecond))
	proxy := newFaultProxy(t, srv.addr, 1, 0)
	ctx := within(t, 20*time.Second)
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/", resume.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var m msg
	if err := s.Receive(ctx, &m); err != nil || m.N != 1 {
		t.Fatalf("first message: %v %v", m, err)
	}
	proxy.block()
	if cause := waitFor(t, causes, 10*time.Second, "the session to expire"); !errors.Is(cause, resume.ErrExpired) {
		t.Fatalf("handler's context ended with %v, want ErrExpired", cause)
	}
	proxy.unblock()
	err = s.Receive(ctx, &m)
	if !errors.Is(err, resume.ErrResumeFailed) || ws.CloseStatus(err) != ws.StatusResumeFailed {
		t.Fatalf("Receive after expiry = %v, want ErrResumeFailed with close 4500", err)
	}
	if !strings.Contains(err.Error(), "expired") {
		t.Errorf("error %q does not say the session expired", err)
	}
	if ws.Retryable(err) {
		t.Errorf("a 4500 must not be retryable")
	}
}

// TestReplayBufferOverflow: under the Fail policy, a session whose client
// is away while the handler sends more than the replay buffer holds
// fails, and the resume gets close 4500 saying so.
func TestReplayBufferOverflow(t *testing.T) {
	start := make(chan struct{})
	sendErr := make(chan error, 1)
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Start(); err != nil {
			return err
		}
		select {
		case <-start:
		case <-ctx.Done():
			return nil
		}
		for i := 1; i <= 50; i++ {
			if err := s.Send(ctx, msg{N: i}); err != nil {
				sendErr <- err
				return err
			}
		}
		sendErr <- nil
		return nil
	}, resume.WithReplayBuffer(8, 1<<20, resume.Fail), resume.WithGrace(10*time.Second))
	proxy := newFaultProxy(t, srv.addr, 2, 0)
	ctx := within(t, 20*time.Second)
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/", resume.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	proxy.block()
	close(start)
	if err := waitFor(t, sendErr, 10*time.Second, "the handler's sends"); err == nil || !strings.Contains(err.Error(), "overflowed") {
		t.Fatalf("handler's Send = %v, want a replay buffer overflow", err)
	}
	proxy.unblock()
	var m msg
	err = s.Receive(ctx, &m)
	if !errors.Is(err, resume.ErrResumeFailed) || ws.CloseStatus(err) != ws.StatusResumeFailed || !strings.Contains(err.Error(), "overflowed") {
		t.Fatalf("Receive = %v, want ErrResumeFailed, close 4500, replay buffer overflowed", err)
	}
}

// TestTooManySessions: past MaxSessions a new session is refused with
// close 1013; resumed sessions still count.
func TestTooManySessions(t *testing.T) {
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Start(); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}, resume.WithMaxSessions(2))
	ctx := within(t, 20*time.Second)
	for i := range 2 {
		s, err := resume.Dial(ctx, srv.url, resume.WithRetry(fastRetry))
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		defer s.Close()
	}
	_, err := resume.Dial(ctx, srv.url, resume.WithRetry(ws.RetryPolicy{Initial: time.Millisecond, MaxAttempts: 1}))
	if ws.CloseStatus(err) != ws.StatusTryAgainLater || !strings.Contains(err.Error(), "too many") {
		t.Fatalf("third session: %v, want close 1013 too many sessions", err)
	}
	if n := srv.mgr.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
}

// rawDial opens a duplex.v1 connection by hand, as a client in another
// language would, with the frames of docs/protocol.md.
func rawDial(t *testing.T, ctx context.Context, url, user string, first string) (*ws.ClientConn, []byte, error) {
	t.Helper()
	c, err := ws.Dial(ctx, url, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}, Header: userHeader(user)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Subprotocol() != resume.Subprotocol {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	if err := c.SendRaw(ctx, []byte(first)); err != nil {
		t.Fatal(err)
	}
	b, err := c.ReceiveRaw(ctx)
	return c, b, err
}

// TestResumeByAnotherSubject: a token presented by another authenticated
// subject is refused with 4500, and stays valid for its owner.
func TestResumeByAnotherSubject(t *testing.T) {
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Send(ctx, msg{N: 1}); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	})
	ctx := within(t, 20*time.Second)
	a, b, err := rawDial(t, ctx, srv.url, "ann", `{"hello":{}}`)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var welcome struct {
		Welcome struct{ Token string } `json:"welcome"`
	}
	if err := json.Unmarshal(b, &welcome); err != nil || len(welcome.Welcome.Token) < 22 {
		t.Fatalf("welcome %s: %v", b, err)
	}
	resumeFrame := `{"resume":{"token":"` + welcome.Welcome.Token + `","last":0}}`

	bob, _, err := rawDial(t, ctx, srv.url, "bob", resumeFrame)
	//lint:ignore SA5001 rawDial fails the test when it has no connection; err is the first frame's, checked below
	defer bob.Close()
	if ws.CloseStatus(err) != ws.StatusResumeFailed || !strings.Contains(err.Error(), "another subject") {
		t.Fatalf("bob resuming ann's session: %v, want close 4500 (another subject)", err)
	}

	ann, b, err := rawDial(t, ctx, srv.url, "ann", resumeFrame)
	if err != nil {
		t.Fatalf("ann resuming her session: %v", err)
	}
	defer ann.Close()
	if string(b) != `{"resumed":{"from":1,"ack":0,"window":1024}}` {
		t.Errorf("resumed frame %s", b)
	}
	if b, err := ann.ReceiveRaw(ctx); err != nil || !strings.HasPrefix(string(b), `{"seq":1,"data":{"n":1`) {
		t.Errorf("replayed message %s, %v; want seq 1", b, err)
	}
}

// TestAckBatchingBoundsBuffer: with a replay buffer of 64 messages (Wait
// policy), 2,000 messages only get through because the client's batched
// acknowledgements keep emptying it, and the buffer never holds more.
func TestAckBatchingBoundsBuffer(t *testing.T) {
	const n = 2000
	sessions := make(chan *resume.Session, 1)
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		sessions <- s
		for i := 1; i <= n; i++ {
			if err := s.Send(ctx, msg{N: i}); err != nil {
				return err
			}
		}
		return nil
	}, resume.WithReplayBuffer(64, 1<<20, resume.Wait), resume.WithAcks(8, 10*time.Millisecond))
	ctx := within(t, 30*time.Second)
	closed := make(chan struct{})
	s, err := resume.Dial(ctx, srv.url, resume.WithRetry(fastRetry), resume.WithClientAcks(8, 10*time.Millisecond),
		resume.WithStateFunc(func(st ws.State) {
			if st == ws.Closed {
				close(closed)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess := waitFor(t, sessions, 10*time.Second, "the session")
	for want := 1; ; want++ {
		var m msg
		err := s.Receive(ctx, &m)
		if errors.Is(err, io.EOF) {
			if want != n+1 {
				t.Fatalf("EOF after %d messages", want-1)
			}
			break
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", want-1, err)
		}
		if m.N != want {
			t.Fatalf("got %d, want %d", m.N, want)
		}
	}
	// The stream completes once the server has the acknowledgement of
	// its end: it closes with 1000 and forgets the session.
	waitFor(t, closed, 10*time.Second, "the stream to complete")
	st := sess.Stats()
	// The end frame always fits: the bound is 64 messages plus the end.
	if st.PeakBuffered > 65 || st.Acked != n+1 || st.Buffered != 0 {
		t.Errorf("server stats %+v: want peak ≤ 64+1, everything (%d) acknowledged", st, n+1)
	}
	if srv.mgr.Len() != 0 {
		t.Errorf("%d sessions left after the stream completed", srv.mgr.Len())
	}
}

// TestDefaultWireFallback: against an endpoint that does not offer
// duplex.v1, Dial returns a working default-wire stream.
func TestDefaultWireFallback(t *testing.T) {
	wsrv := ws.NewServer(ws.Config{})
	srv := startPlain(t, wsrv)
	ctx := within(t, 10*time.Second)
	s, err := resume.Dial(ctx, srv, resume.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Resumable() {
		t.Fatal("Resumable() = true against a server without duplex.v1")
	}
	if err := s.Send(ctx, msg{N: 7}); err != nil {
		t.Fatal(err)
	}
	var m msg
	if err := s.Receive(ctx, &m); err != nil || m.N != 7 {
		t.Fatalf("echo: %v %v", m, err)
	}
}

// TestGapIsResumed: a message that arrives before the one expected (its
// predecessor was lost by the connection) is not delivered; the server
// closes with 4000 (reconnect) and the session resumes with the messages
// sent again, in order.
func TestGapIsResumed(t *testing.T) {
	got := make(chan int, 10)
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		for {
			var m msg
			if err := s.Receive(ctx, &m); errors.Is(err, resume.ErrResumed) {
				return nil // the resume's request: the first handler serves it
			} else if err != nil {
				close(got)
				return nil
			}
			got <- m.N
		}
	})
	ctx := within(t, 20*time.Second)
	a, b, err := rawDial(t, ctx, srv.url, "ann", `{"hello":{}}`)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var welcome struct {
		Welcome struct{ Token string } `json:"welcome"`
	}
	if err := json.Unmarshal(b, &welcome); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`{"seq":1,"data":{"n":1}}`, `{"seq":3,"data":{"n":3}}`} {
		if err := a.SendRaw(ctx, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.ReceiveRaw(ctx); ws.CloseStatus(err) != ws.StatusSlowConsumer || !ws.Retryable(err) {
		t.Fatalf("after a gap: %v, want a retryable close 4000", err)
	}
	if n := waitFor(t, got, 5*time.Second, "message 1"); n != 1 {
		t.Fatalf("handler got %d first", n)
	}
	r, b, err := rawDial(t, ctx, srv.url, "ann", `{"resume":{"token":"`+welcome.Welcome.Token+`","last":0}}`)
	if err != nil {
		t.Fatalf("resume after the gap: %v", err)
	}
	defer r.Close()
	if !strings.HasPrefix(string(b), `{"resumed":{"from":1,`) {
		t.Fatalf("resumed frame %s", b)
	}
	for _, f := range []string{`{"seq":1,"data":{"n":1}}`, `{"seq":2,"data":{"n":2}}`, `{"seq":3,"data":{"n":3}}`, `{"seq":4,"end":{}}`} {
		if err := r.SendRaw(ctx, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []int{2, 3} {
		if n := waitFor(t, got, 5*time.Second, "the resent messages"); n != want {
			t.Fatalf("handler got %d, want %d (1 must not repeat)", n, want)
		}
	}
	select {
	case n, open := <-got:
		if open {
			t.Fatalf("handler got %d after 1, 2, 3", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not see the end of the client's stream")
	}
}

// TestSendRawNeverWaits: SendRaw is for fan-out: under the Wait policy it
// still never blocks, and a full replay buffer fails the session.
func TestSendRawNeverWaits(t *testing.T) {
	start := make(chan struct{})
	result := make(chan error, 1)
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if !strings.HasPrefix(s.ID(), "resume-") {
			t.Errorf("session ID %q", s.ID())
		}
		if err := s.Start(); err != nil {
			return err
		}
		select {
		case <-start:
		case <-ctx.Done():
			return nil
		}
		for i := 1; i <= 10; i++ {
			if err := s.SendRaw([]byte(`{"n":1}`)); err != nil {
				result <- err
				<-ctx.Done() // the session failed: its context ends
				return nil
			}
		}
		result <- nil
		return nil
	}, resume.WithReplayBuffer(4, 1<<20, resume.Wait))
	proxy := newFaultProxy(t, srv.addr, 3, 0)
	ctx := within(t, 20*time.Second)
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/", resume.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	proxy.block()
	close(start)
	if err := waitFor(t, result, 10*time.Second, "SendRaw"); err == nil || !strings.Contains(err.Error(), "overflowed") {
		t.Fatalf("SendRaw into a full buffer = %v, want an overflow", err)
	}
}

// A session joins hub rooms as any connection does.
var _ hub.Member = (*resume.Session)(nil)

// TestSessionCapsPerIPAndSubject: one client address, and one subject,
// past their share of the session table get close 1013 with a reason
// naming which limit; another address and another subject still get in.
func TestSessionCapsPerIPAndSubject(t *testing.T) {
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Start(); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}, resume.WithMaxSessionsPer(3, 2))
	ctx := within(t, 20*time.Second)
	once := resume.WithRetry(ws.RetryPolicy{Initial: time.Millisecond, MaxAttempts: 1})
	// 127.0.0.2 is another client address on the loopback interface.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	defer other.CloseIdleConnections()
	open := func(user string, from *http.Client) error {
		s, err := resume.Dial(ctx, srv.url, once, resume.WithDial(ws.DialConfig{Header: userHeader(user), HTTPClient: from}))
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return err
	}
	for _, user := range []string{"ann", "ann"} {
		if err := open(user, nil); err != nil {
			t.Fatalf("%s's session: %v", user, err)
		}
	}
	err := open("ann", nil)
	if ws.CloseStatus(err) != ws.StatusTryAgainLater || !strings.Contains(err.Error(), "for these credentials (2)") {
		t.Fatalf("ann's third session: %v, want close 1013 naming the per-subject limit", err)
	}
	if err := open("bob", nil); err != nil {
		t.Fatalf("bob's session, with ann at her limit: %v", err)
	}
	err = open("cat", nil)
	if ws.CloseStatus(err) != ws.StatusTryAgainLater || !strings.Contains(err.Error(), "from this address (3)") {
		t.Fatalf("a fourth session from 127.0.0.1: %v, want close 1013 naming the per-address limit", err)
	}
	if err := open("dan", other); err != nil {
		t.Fatalf("dan's session from 127.0.0.2, with 127.0.0.1 at its limit: %v", err)
	}
	if n := srv.mgr.Len(); n != 4 {
		t.Errorf("Len = %d, want 4", n)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestMalformedResumeFrameHidesToken: a resume frame that does not parse
// is refused with 1002 and a reason saying why, and neither the reason nor
// the server's debug log quotes the token, or any part of it.
func TestMalformedResumeFrameHidesToken(t *testing.T) {
	const token = "AbCdEfGhIjKlMnOpQrStUv" // 22 characters, as the server's
	var logs syncBuffer
	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "test", Method: "stream"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			return mgr.Serve(c, "", func(ctx context.Context, s *resume.Session) error { return s.Start() })
		})
	}))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		hs.Close()
	}()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	ctx := within(t, 20*time.Second)
	for _, frame := range []string{
		`{"resume":{"token":"` + token + `","last":"7"}}`, // wrong type
		`{"resume":{"token":"` + token + `","last":7}`,    // truncated
		`{"resume":{"token":"` + token + `","last":7}}}`,  // trailing data
	} {
		c, err := ws.Dial(ctx, url, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SendRaw(ctx, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		_, err = c.ReceiveRaw(ctx)
		c.Close()
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusProtocolError || !strings.Contains(ce.Reason, "invalid duplex.v1 frame") {
			t.Fatalf("frame %s: %v, want close 1002 invalid duplex.v1 frame", frame, err)
		}
		if leak := leaked(ce.Reason, token); leak != "" {
			t.Errorf("close reason %q quotes %q of the token", ce.Reason, leak)
		}
	}
	ctx2, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = wsrv.Shutdown(ctx2) // every connection's close is logged once it returns
	if !strings.Contains(logs.String(), "invalid duplex.v1 frame") {
		t.Fatalf("the debug log does not show the refusals:\n%s", logs.String())
	}
	if leak := leaked(logs.String(), token); leak != "" {
		t.Errorf("the debug log quotes %q of the token:\n%s", leak, logs.String())
	}
}

// leaked returns the longest run of at least 6 of token's characters that
// s contains, "" when there is none.
func leaked(s, token string) string {
	for n := len(token); n >= 6; n-- {
		for i := 0; i+n <= len(token); i++ {
			if strings.Contains(s, token[i:i+n]) {
				return token[i : i+n]
			}
		}
	}
	return ""
}
