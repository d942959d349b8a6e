package resume_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// counter is a handler that sends a numbered message every tick and
// checks that the client's numbered messages arrive in order, once each;
// it reports a failure on errs.
func counter(tick time.Duration, errs chan<- error) resume.Handler {
	return func(ctx context.Context, s *resume.Session) error {
		if err := s.Start(); err != nil {
			return nil // a resume's request: the session's handler serves it
		}
		go func() {
			want := 1
			for {
				var m msg
				if err := s.Receive(ctx, &m); err != nil {
					return
				}
				if m.N != want {
					errs <- fmt.Errorf("server received %d, want %d", m.N, want)
					return
				}
				want++
			}
		}()
		t := time.NewTicker(tick)
		defer t.Stop()
		for i := 1; ; i++ {
			if err := s.Send(ctx, msg{N: i}); err != nil {
				return nil
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// TestOutagesShorterThanGraceResume cuts the network under resumable
// streams with default settings (grace 30 s, the default backoff capped
// at 30 s) for 5, 10, 15, 20 and 25 s: open connections are reset and new
// ones refused until the outage ends. Every stream must resume, with no
// message lost or repeated either way. The outages run at once; under
// -short the 25 s one is skipped.
func TestOutagesShorterThanGraceResume(t *testing.T) {
	outages := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second, 25 * time.Second}
	if testing.Short() {
		t.Log("-short: the 25 s outage is skipped")
		outages = outages[:4]
	}
	errs := make(chan error, 100)
	srv := startServer(t, counter(50*time.Millisecond, errs))
	if g := srv.mgr.Config().Grace; g != 30*time.Second {
		t.Fatalf("default grace %v: the outages are chosen for 30 s", g)
	}
	ctx := within(t, 60*time.Second)
	var wg sync.WaitGroup
	for i, outage := range outages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := survive(ctx, newFaultProxy(t, srv.addr, uint64(i), 0), outage); err != nil {
				errs <- fmt.Errorf("%v outage: %w", outage, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// survive runs a stream through proxy, cuts the network for outage, and
// checks that the stream resumes with every message in order both ways.
func survive(ctx context.Context, proxy *faultProxy, outage time.Duration) error {
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/") // default retry policy
	if err != nil {
		return err
	}
	defer s.Close()
	sctx, stop := context.WithCancel(ctx)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 1; sctx.Err() == nil && s.Send(sctx, msg{N: i}) == nil; i++ {
			time.Sleep(50 * time.Millisecond) // a steady producer, not a wait
		}
	}()
	defer func() { stop(); <-sent }()
	var cut, back time.Time
	want := 1
	for {
		var m msg
		if err := s.Receive(ctx, &m); err != nil {
			return fmt.Errorf("receive after %d (%d reconnects): %w", want-1, s.Reconnects(), err)
		}
		if m.N != want {
			return fmt.Errorf("received %d, want %d", m.N, want)
		}
		want++
		switch {
		case want == 20:
			cut = time.Now()
			proxy.block()
			go func() {
				time.Sleep(outage) // the fault lasts this long
				proxy.unblock()
			}()
		case !cut.IsZero() && back.IsZero() && time.Since(cut) > outage:
			back = time.Now()
		case !back.IsZero() && time.Since(back) > time.Second:
			if s.Reconnects() == 0 {
				return errors.New("the stream never reconnected")
			}
			return nil // messages flow again after the outage: resumed
		}
	}
}

// TestResumeHonoursRetryAfter: a resumable stream's dial waits at least
// the Retry-After of a 429 refusal, however short its backoff.
func TestResumeHonoursRetryAfter(t *testing.T) {
	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}, Logger: slog.New(slog.DiscardHandler)})
	mgr := resume.NewManager()
	var mu sync.Mutex
	var attempts []time.Time
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts = append(attempts, time.Now())
		first := len(attempts) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many connections from this address", http.StatusTooManyRequests)
			return
		}
		_ = wsrv.Handle(w, r, nil, func(ctx context.Context, c *ws.Conn) error {
			return mgr.Serve(c, "", func(ctx context.Context, s *resume.Session) error { return s.Send(ctx, msg{N: 1}) })
		})
	}))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		hs.Close()
	}()
	ctx := within(t, 20*time.Second)
	s, err := resume.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), resume.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 2 {
		t.Fatalf("%d attempts, want 2", len(attempts))
	}
	if gap := attempts[1].Sub(attempts[0]); gap < time.Second {
		t.Fatalf("second attempt %v after a 429 with Retry-After: 1, want at least 1 s", gap)
	}
}

// TestBlackholeIsDetectedAndResumed: a path that silently stops carrying
// bytes while both sockets stay open (a blackhole) is noticed by both
// sides within the heartbeat interval plus timeout, and the stream
// resumes with no loss once the path is back. The heartbeat is shortened
// (0.5 s + 1 s) to keep the test short; TestResumableHeartbeatsOnByDefault
// checks that the defaults have it on. With -blackhole.default it runs
// with the default heartbeat on both sides and a 100 s blackhole (about
// two minutes; not part of the default run).
func TestBlackholeIsDetectedAndResumed(t *testing.T) {
	interval, timeout, hole := 500*time.Millisecond, time.Second, 6*time.Second
	serverCfg := ws.Config{HeartbeatInterval: interval, HeartbeatTimeout: timeout}
	clientOpts := []resume.ClientOption{resume.WithHeartbeat(interval, timeout)}
	if *blackholeDefault {
		interval, timeout, hole = ws.DefaultConfig().HeartbeatInterval, ws.DefaultConfig().HeartbeatTimeout, 100*time.Second
		serverCfg, clientOpts = ws.Config{}, nil
	}
	errs := make(chan error, 10)
	srv := startServerWith(t, serverCfg, counter(50*time.Millisecond, errs))
	proxy := newFaultProxy(t, srv.addr, 1, 0)
	ctx := within(t, hole+30*time.Second)
	lostAt := make(chan time.Time, 1)
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/", append(clientOpts,
		resume.WithStateFunc(func(st ws.State) {
			if st == ws.Reconnecting {
				select {
				case lostAt <- time.Now():
				default:
				}
			}
		}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := 1
	receive := func(until int) {
		t.Helper()
		for want <= until {
			var m msg
			if err := s.Receive(ctx, &m); err != nil {
				t.Fatalf("receive after %d: %v", want-1, err)
			}
			if m.N != want {
				t.Fatalf("received %d, want %d", m.N, want)
			}
			want++
		}
	}
	receive(10)
	if n := srv.wsrv.Len(); n != 1 {
		t.Fatalf("%d server connections before the blackhole, want 1", n)
	}
	start := time.Now()
	proxy.blackhole()
	bound := interval + timeout + time.Second // the bound, plus a margin for a loaded machine

	// The server side: its connection is released.
	for srv.wsrv.Len() != 0 {
		if time.Since(start) > bound {
			t.Fatalf("the server still holds the connection %v into the blackhole (bound %v)", time.Since(start).Round(time.Millisecond), bound)
		}
		time.Sleep(20 * time.Millisecond) // polling a count: nothing to wait on
	}
	serverNoticed := time.Since(start)
	// The client side: it starts reconnecting.
	var clientNoticed time.Duration
	select {
	case at := <-lostAt:
		clientNoticed = at.Sub(start)
	case <-time.After(bound - time.Since(start)):
		t.Fatalf("the client did not notice the blackhole within %v", bound)
	}
	t.Logf("blackhole noticed by the server after %v, by the client after %v (bound %v)",
		serverNoticed.Round(time.Millisecond), clientNoticed.Round(time.Millisecond), bound)
	time.Sleep(hole - time.Since(start)) // the fault lasts this long
	proxy.restore()
	receive(want + 20) // resumed: the next messages, in order, none lost
	if s.Reconnects() == 0 {
		t.Fatal("the stream never reconnected")
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// TestDialMovesToTheNextHost: a resumable stream whose URL's server is
// dead opens on the next host of ws.DialConfig.Hosts.
func TestDialMovesToTheNextHost(t *testing.T) {
	srv := startServer(t, counter(time.Hour, make(chan error, 1)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there any more: connections are refused
	ctx := within(t, 10*time.Second)
	s, err := resume.Dial(ctx, "ws://"+dead+"/", resume.WithRetry(fastRetry), resume.WithDial(ws.DialConfig{Hosts: []string{srv.addr}}))
	if err != nil {
		t.Fatalf("dial with a dead URL and a live host: %v", err)
	}
	defer s.Close()
	var m msg
	if err := s.Receive(ctx, &m); err != nil || m.N != 1 {
		t.Fatalf("first message from the live host: %v, %v", m, err)
	}
}

// TestResumeBacksOffWhenResumedConnectionsDieAtOnce: when every resumed
// connection dies right after the server's resumed frame, carrying
// nothing, the client's backoff keeps growing (100 ms doubling, full
// jitter: about 7 resumes in 3 s) instead of restarting after each
// successful handshake (about 55 in 3 s).
func TestResumeBacksOffWhenResumedConnectionsDieAtOnce(t *testing.T) {
	srv := startServer(t, counter(time.Hour, make(chan error, 1))) // one message, then silence
	proxy := newFaultProxy(t, srv.addr, 1, 0)
	ctx := within(t, 20*time.Second)
	s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/",
		resume.WithRetry(ws.RetryPolicy{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var m msg
	if err := s.Receive(ctx, &m); err != nil {
		t.Fatal(err)
	}
	proxy.mu.Lock()
	proxy.killResumed = true
	proxy.mu.Unlock()
	proxy.block()
	proxy.unblock()
	const window = 3 * time.Second
	time.Sleep(window) // the window the resumes are counted in
	proxy.mu.Lock()
	n := proxy.resumes
	proxy.mu.Unlock()
	t.Logf("%d resumes in %v", n, window)
	// 15 would need the delays of retries 5 to 13 (each uniform up to
	// 3.2 s or more) to add up to under 3 s.
	if n < 2 || n > 15 {
		t.Fatalf("%d resumes in %v, each dying at once, want between 2 and 15 (the backoff)", n, window)
	}
}
