package ws_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/ws"
)

// refusedDialError returns the real error of dialling a port nobody
// listens on.
func refusedDialError(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = ws.Dial(testContext(t), "ws://"+addr+"/chat?token=secret", ws.DialConfig{})
	if err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("dial error %q leaks the query string", err)
	}
	return err
}

func TestRetryableClassifiesEveryCodeAndStatus(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"io.EOF (close 1000)", io.EOF, false},
		{"1000 normal closure", &ws.CloseError{Code: 1000}, false},
		{"1001 going away", &ws.CloseError{Code: 1001}, true},
		{"1002 protocol error", &ws.CloseError{Code: 1002}, false},
		{"1003 unsupported data", &ws.CloseError{Code: 1003}, false},
		{"1006 abnormal closure", &ws.CloseError{Code: 1006}, true},
		{"1007 invalid payload", &ws.CloseError{Code: 1007}, false},
		{"1008 policy violation", &ws.CloseError{Code: 1008}, false},
		{"1009 message too big", &ws.CloseError{Code: 1009}, false},
		{"1011 internal error", &ws.CloseError{Code: 1011}, true},
		{"1012 service restart", &ws.CloseError{Code: 1012}, true},
		{"1013 try again later", &ws.CloseError{Code: 1013}, true},
		{"1014 bad gateway", &ws.CloseError{Code: 1014}, true},
		{"4000 slow consumer", &ws.CloseError{Code: 4000}, true},
		{"4250 application retry range", &ws.CloseError{Code: 4250}, true},
		{"4499 last retry code", &ws.CloseError{Code: 4499}, true},
		{"4500 resume failed", &ws.CloseError{Code: 4500}, false},
		{"4501 unauthorized", &ws.CloseError{Code: 4501}, false},
		{"4999 last do-not-retry code", &ws.CloseError{Code: 4999}, false},
		{"wrapped 1001", fmt.Errorf("recv: %w", &ws.CloseError{Code: 1001}), true},
		{"library close error 1012", websocket.CloseError{Code: 1012}, true},
		{"library close error 1008", fmt.Errorf("read: %w", websocket.CloseError{Code: 1008}), false},
		{"HTTP 400", &ws.HTTPError{StatusCode: 400}, false},
		{"HTTP 401", &ws.HTTPError{StatusCode: 401}, false},
		{"HTTP 403", &ws.HTTPError{StatusCode: 403}, false},
		{"HTTP 404", &ws.HTTPError{StatusCode: 404}, false},
		{"HTTP 426", &ws.HTTPError{StatusCode: 426}, false},
		{"HTTP 429", &ws.HTTPError{StatusCode: 429}, true},
		{"HTTP 502", &ws.HTTPError{StatusCode: 502}, true},
		{"HTTP 503", &ws.HTTPError{StatusCode: 503}, true},
		{"HTTP 504", &ws.HTTPError{StatusCode: 504}, true},
		{"wrapped HTTP 503", fmt.Errorf("dial: %w", &ws.HTTPError{StatusCode: 503}), true},
		{"context cancelled", context.Canceled, false},
		{"context deadline", fmt.Errorf("dial: %w", context.DeadlineExceeded), false},
		{"connection closed by this client", fmt.Errorf("send: %w", net.ErrClosed), false},
		{"connection refused", refusedDialError(t), true},
		{"unexpected EOF mid-handshake", fmt.Errorf("dial: %w", io.ErrUnexpectedEOF), true},
		{"unclassified error", errors.New("boom"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ws.Retryable(tc.err); got != tc.want {
				t.Fatalf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestDelayStaysWithinTheGrowingCeiling(t *testing.T) {
	p := ws.RetryPolicy{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2}
	rnd := rand.New(rand.NewPCG(1, 2))
	prev := time.Duration(0)
	for attempt := range 64 {
		ceiling := p.Ceiling(attempt)
		if ceiling < prev {
			t.Fatalf("Ceiling(%d) = %v shrank from %v", attempt, ceiling, prev)
		}
		if ceiling > p.Max {
			t.Fatalf("Ceiling(%d) = %v, above Max %v", attempt, ceiling, p.Max)
		}
		prev = ceiling
		for range 200 {
			if d := p.Delay(attempt, rnd); d < 0 || d > ceiling {
				t.Fatalf("Delay(%d) = %v, outside [0, %v]", attempt, d, ceiling)
			}
		}
	}
	if got := p.Ceiling(0); got != 100*time.Millisecond {
		t.Fatalf("Ceiling(0) = %v, want Initial", got)
	}
	if got := p.Ceiling(3); got != 800*time.Millisecond {
		t.Fatalf("Ceiling(3) = %v, want 800ms (Initial·2³)", got)
	}
	if got := p.Ceiling(1 << 20); got != p.Max {
		t.Fatalf("Ceiling of a huge attempt = %v, want Max (no overflow)", got)
	}
}

func TestDelayIsFullJitter(t *testing.T) {
	p := ws.RetryPolicy{Initial: time.Second, Max: time.Second, Multiplier: 2}
	rnd := rand.New(rand.NewPCG(7, 7))
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 1000 {
		d := p.Delay(0, rnd)
		lo, hi = min(lo, d), max(hi, d)
	}
	// Uniform over [0, 1s]: 1000 draws cover both ends of the range.
	if lo > 50*time.Millisecond || hi < 950*time.Millisecond {
		t.Fatalf("1000 delays spread over [%v, %v], want close to [0, 1s]", lo, hi)
	}
}

func TestDelayIsDeterministicWithASeededRand(t *testing.T) {
	p := ws.DefaultRetryPolicy
	a, b := rand.New(rand.NewPCG(42, 1)), rand.New(rand.NewPCG(42, 1))
	for attempt := range 20 {
		if da, db := p.Delay(attempt, a), p.Delay(attempt, b); da != db {
			t.Fatalf("attempt %d: %v != %v with the same seed", attempt, da, db)
		}
	}
}

func TestZeroRetryPolicyUsesTheDefaults(t *testing.T) {
	var zero ws.RetryPolicy
	for attempt := range 10 {
		if got, want := zero.Ceiling(attempt), ws.DefaultRetryPolicy.Ceiling(attempt); got != want {
			t.Fatalf("zero policy Ceiling(%d) = %v, want the default's %v", attempt, got, want)
		}
	}
	if got := ws.DefaultRetryPolicy.Ceiling(100); got != 30*time.Second {
		t.Fatalf("DefaultRetryPolicy caps at %v, want 30s", got)
	}
}

// fastRetry keeps retry tests quick without asserting durations.
var fastRetry = ws.RetryPolicy{Initial: time.Millisecond, Max: 2 * time.Millisecond, Multiplier: 2}

// refusingServer answers the first refusals requests with status, then
// upgrades and echoes; it counts handshake attempts.
type refusingServer struct {
	*peer
	attempts atomic.Int32
}

func newRefusingServer(t *testing.T, status, refusals int) *refusingServer {
	s := &refusingServer{peer: &peer{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := s.attempts.Add(1); refusals < 0 || int(n) <= refusals {
			http.Error(w, http.StatusText(status), status)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		defer c.CloseNow()
		echo(r, c)
	}))
	s.URL = "ws" + strings.TrimPrefix(s.srv.URL, "http")
	t.Cleanup(s.Close)
	return s
}

func TestDialWithRetrySucceedsAfterRefusals(t *testing.T) {
	s := newRefusingServer(t, http.StatusServiceUnavailable, 2)
	rec := newStateRecorder()
	c, err := ws.DialWithRetry(testContext(t), s.URL, ws.DialConfig{Retry: &fastRetry, StateFunc: rec.record})
	if err != nil {
		t.Fatalf("DialWithRetry: %v", err)
	}
	if got := s.attempts.Load(); got != 3 {
		t.Fatalf("server saw %d handshakes, want 3 (two 503s, then the upgrade)", got)
	}
	if err := c.Send(testContext(t), "hi"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var v string
	if err := c.Receive(testContext(t), &v); err != nil || v != "hi" {
		t.Fatalf("Receive = %q, %v", v, err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-rec.closed
	if got, want := rec.String(), "[connecting reconnecting reconnecting connected closed]"; got != want {
		t.Fatalf("states = %s, want %s", got, want)
	}
}

func TestDialWithRetryStopsAtOnceWhenRetryingCannotHelp(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest} {
		t.Run(fmt.Sprintf("HTTP %d", status), func(t *testing.T) {
			s := newRefusingServer(t, status, -1)
			_, err := ws.DialWithRetry(testContext(t), s.URL, ws.DialConfig{Retry: &fastRetry})
			var herr *ws.HTTPError
			if !errors.As(err, &herr) || herr.StatusCode != status {
				t.Fatalf("DialWithRetry = %v, want *HTTPError %d", err, status)
			}
			if got := s.attempts.Load(); got != 1 {
				t.Fatalf("server saw %d handshakes, want 1", got)
			}
		})
	}
}

func TestDialWithRetryHonoursMaxAttempts(t *testing.T) {
	s := newRefusingServer(t, http.StatusServiceUnavailable, -1)
	p := fastRetry
	p.MaxAttempts = 4
	_, err := ws.DialWithRetry(testContext(t), s.URL, ws.DialConfig{Retry: &p})
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("DialWithRetry = %v, want the last *HTTPError 503", err)
	}
	if got := s.attempts.Load(); got != 4 {
		t.Fatalf("server saw %d handshakes, want MaxAttempts = 4", got)
	}
}

func TestDialWithRetryStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	// An hour-long backoff: only the context can end the wait.
	p := ws.RetryPolicy{Initial: time.Hour, Max: time.Hour, Multiplier: 1}
	// The caller gives up as the client starts waiting for its backoff.
	giveUp := func(s ws.State) {
		if s == ws.Reconnecting {
			cancel()
		}
	}
	_, err := ws.DialWithRetry(ctx, srv.URL, ws.DialConfig{Retry: &p, StateFunc: giveUp})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("DialWithRetry = %v, want context.Canceled", err)
	}
	var herr *ws.HTTPError
	if !errors.As(err, &herr) {
		t.Fatalf("DialWithRetry = %v, want it to wrap the last dial error too", err)
	}
	if ws.Retryable(err) {
		t.Fatalf("Retryable(%v) = true after the context ended", err)
	}
	if got := attempts.Load(); got != 1 {
		t.Fatalf("server saw %d handshakes, want 1", got)
	}
}

// closingServer closes its n-th connection (from 0) with codes[n], or
// sends "done" and closes 1000 past the end of codes.
func closingServer(t *testing.T, codes ...ws.StatusCode) (*peer, *atomic.Int32) {
	var conns atomic.Int32
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		n := int(conns.Add(1)) - 1
		if n < len(codes) {
			_ = c.Close(websocket.StatusCode(codes[n]), fmt.Sprintf("close %d", codes[n]))
			return
		}
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`"done"`))
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	return p, &conns
}

// readAll is a session reading until the stream ends.
func readAll(ctx context.Context, c *ws.ClientConn) error {
	for {
		var v any
		if err := c.Receive(ctx, &v); err != nil {
			return err
		}
	}
}

func TestReconnectReconnectsOnRetryableCloses(t *testing.T) {
	p, conns := closingServer(t, ws.StatusGoingAway, ws.StatusSlowConsumer, ws.StatusServiceRestart)
	rec := newStateRecorder()
	err := ws.Reconnect(testContext(t), p.URL, readAll, ws.DialConfig{Retry: &fastRetry, StateFunc: rec.record})
	if err != nil {
		t.Fatalf("Reconnect = %v, want nil once the server ends the stream with 1000", err)
	}
	if got := conns.Load(); got != 4 {
		t.Fatalf("server saw %d connections, want 4 (1001, 4000, 1012, then 1000)", got)
	}
	<-rec.closed
	if got, want := rec.String(), "[connecting connected reconnecting connected reconnecting connected reconnecting connected closed]"; got != want {
		t.Fatalf("states = %s, want %s", got, want)
	}
}

func TestReconnectStopsAtOnceWhenRetryingCannotHelp(t *testing.T) {
	for _, code := range []ws.StatusCode{ws.StatusPolicyViolation, ws.StatusInvalidPayload, ws.StatusResumeFailed, ws.StatusUnauthorized} {
		t.Run(fmt.Sprintf("close %d", code), func(t *testing.T) {
			p, conns := closingServer(t, code)
			err := ws.Reconnect(testContext(t), p.URL, readAll, ws.DialConfig{Retry: &fastRetry})
			if ws.CloseStatus(err) != code {
				t.Fatalf("Reconnect = %v, want the *CloseError %d", err, code)
			}
			if got := conns.Load(); got != 1 {
				t.Fatalf("server saw %d connections, want 1", got)
			}
		})
	}
}

func TestReconnectHonoursMaxAttemptsOnRefusals(t *testing.T) {
	s := newRefusingServer(t, http.StatusServiceUnavailable, -1)
	p := fastRetry
	p.MaxAttempts = 3
	var sessions atomic.Int32
	err := ws.Reconnect(testContext(t), s.URL, func(ctx context.Context, c *ws.ClientConn) error {
		sessions.Add(1)
		return nil
	}, ws.DialConfig{Retry: &p})
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("Reconnect = %v, want the last *HTTPError 503", err)
	}
	if got := s.attempts.Load(); got != 3 || sessions.Load() != 0 {
		t.Fatalf("server saw %d handshakes and %d sessions ran, want 3 and 0", got, sessions.Load())
	}
}

func TestDialWithRetryFromManyClientsAtOnce(t *testing.T) {
	// Twenty clients retrying against one server each get their own
	// connection; the race detector checks the shared policy is safe.
	s := newRefusingServer(t, http.StatusTooManyRequests, 10)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			c, err := ws.DialWithRetry(testContext(t), s.URL, ws.DialConfig{Retry: &fastRetry})
			if err != nil {
				errs <- err
				return
			}
			errs <- c.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("DialWithRetry: %v", err)
		}
	}
	if got := s.attempts.Load(); got != 30 {
		t.Fatalf("server saw %d handshakes, want 30 (10 refusals, 20 upgrades)", got)
	}
}
