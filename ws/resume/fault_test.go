package resume_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

var (
	faultSeed        = flag.Uint64("fault.seed", 0, "seed of TestResumeNoLossUnderFaults (0: $DUPLEX_FAULT_SEED, else random)")
	faultN           = flag.Int("fault.n", 10000, "messages per direction and stream in TestResumeNoLossUnderFaults")
	blackholeDefault = flag.Bool("blackhole.default", false, "run TestBlackholeIsDetectedAndResumed with the default heartbeat and a 100 s blackhole")
)

// seed returns the fault seed: the flag, else $DUPLEX_FAULT_SEED, else a
// random one. It is always printed, so any run can be reproduced.
func seed(t *testing.T) uint64 {
	s := *faultSeed
	if s == 0 {
		if v := os.Getenv("DUPLEX_FAULT_SEED"); v != "" {
			var err error
			if s, err = strconv.ParseUint(v, 10, 64); err != nil {
				t.Fatalf("DUPLEX_FAULT_SEED: %v", err)
			}
		}
	}
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	fmt.Fprintf(os.Stderr, "TestResumeNoLossUnderFaults: seed %d (reproduce: go test ./ws/resume -run TestResumeNoLossUnderFaults -fault.seed=%d)\n", s, s)
	return s
}

// TestResumeNoLossUnderFaults runs a bidirectional and a server→client
// resumable stream through a proxy that drops, stalls and half-closes
// connections, and checks that every message arrives exactly once and in
// order on both sides, and that each handler ran once.
func TestResumeNoLossUnderFaults(t *testing.T) {
	sd := seed(t)
	n := *faultN
	var calls atomic.Int32
	var mu sync.Mutex
	var serverErrs []error
	report := func(err error) {
		mu.Lock()
		serverErrs = append(serverErrs, err)
		mu.Unlock()
	}
	srv := startServer(t, func(ctx context.Context, s *resume.Session) error {
		if err := s.Start(); err != nil {
			return nil // a resume's request (ErrResumed): the session's handler serves it
		}
		calls.Add(1)
		kind := s.Request().URL.Query().Get("kind")
		send := func() error {
			for i := 1; i <= n; i++ {
				if err := s.Send(ctx, msg{N: i, Pad: pad}); err != nil {
					return fmt.Errorf("%s: server send %d: %w", kind, i, err)
				}
			}
			return nil
		}
		if kind == "listen" {
			if err := send(); err != nil {
				report(err)
				return err
			}
			return nil
		}
		sent := make(chan error, 1)
		go func() { sent <- send() }()
		want := 1
		for {
			var m msg
			err := s.Receive(ctx, &m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				report(fmt.Errorf("bidi: server receive after %d: %w", want-1, err))
				return err
			}
			if m.N != want {
				report(fmt.Errorf("bidi: server received %d, want %d", m.N, want))
				return err
			}
			want++
		}
		if want != n+1 {
			report(fmt.Errorf("bidi: server received %d messages, want %d", want-1, n))
		}
		if err := <-sent; err != nil {
			report(err)
			return err
		}
		return nil
	}, resume.WithGrace(20*time.Second), resume.WithAcks(16, 20*time.Millisecond), resume.WithReplayBuffer(256, 1<<20, resume.Wait))
	proxy := newFaultProxy(t, srv.addr, sd, 400)

	ctx := within(t, 90*time.Second)
	if debug {
		ctx = within(t, 8*time.Second)
		dump := time.AfterFunc(6*time.Second, func() { pprof.Lookup("goroutine").WriteTo(os.Stderr, 1) })
		defer dump.Stop()
	}
	var wg sync.WaitGroup
	var reconnects atomic.Int64
	run := func(kind string, bidi bool, stream uint64) {
		defer wg.Done()
		var states []ws.State
		var smu sync.Mutex
		s, err := resume.Dial(ctx, "ws://"+proxy.addr()+"/?kind="+kind,
			resume.WithRetry(fastRetry), resume.WithHandshakeTimeout(2*time.Second),
			resume.WithRand(rand.New(rand.NewPCG(sd, 1<<32+stream))), // reproducible backoff jitter
			resume.WithClientAcks(16, 20*time.Millisecond), resume.WithSendBuffer(256, 1<<20),
			resume.WithStateFunc(func(st ws.State) {
				if debug {
					t.Logf("%s %s: %v", time.Now().Format("05.000"), kind, st)
				}
				smu.Lock()
				states = append(states, st)
				smu.Unlock()
			}))
		if err != nil {
			t.Errorf("seed %d: %s: dial: %v", sd, kind, err)
			return
		}
		defer s.Close()
		if !s.Resumable() {
			t.Errorf("%s: server did not negotiate duplex.v1", kind)
			return
		}
		sendErr := make(chan error, 1)
		if bidi {
			go func() {
				for i := 1; i <= n; i++ {
					if err := s.Send(ctx, msg{N: i, Pad: pad}); err != nil {
						sendErr <- fmt.Errorf("client send %d: %w", i, err)
						return
					}
				}
				sendErr <- s.CloseSend(ctx)
			}()
		} else {
			sendErr <- nil
		}
		want := 1
		for {
			var m msg
			err := s.Receive(ctx, &m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("seed %d: %s: client receive after %d: %v", sd, kind, want-1, err)
				break
			}
			if m.N != want {
				t.Errorf("seed %d: %s: client received %d, want %d", sd, kind, m.N, want)
				break
			}
			want++
		}
		if want != n+1 {
			t.Errorf("seed %d: %s: client received %d messages, want %d", sd, kind, want-1, n)
		}
		if err := <-sendErr; err != nil {
			t.Errorf("seed %d: %s: %v", sd, kind, err)
		}
		reconnects.Add(int64(s.Reconnects()))
		smu.Lock()
		if len(states) < 2 || states[0] != ws.Connecting || states[1] != ws.Connected {
			t.Errorf("%s: states %v, want Connecting, Connected …", kind, states)
		}
		smu.Unlock()
	}
	wg.Add(2)
	go run("bidi", true, 1)
	go run("listen", false, 2)
	wg.Wait()

	mu.Lock()
	for _, err := range serverErrs {
		t.Errorf("seed %d: %v", sd, err)
	}
	mu.Unlock()
	if got := calls.Load(); got != 2 {
		t.Errorf("handlers ran %d times, want 2 (once per session)", got)
	}
	byKind, total := proxy.faultCount()
	t.Logf("seed %d: %d faults %v, %d reconnections", sd, total, byKind, reconnects.Load())
	// Issue 5 asks for at least 50 forced disconnects at the default size;
	// smaller -fault.n runs (debugging) need proportionally fewer.
	minFaults := int64(50)
	if n < 10000 {
		minFaults = 20
	}
	if int64(total) < minFaults || reconnects.Load() < minFaults {
		t.Errorf("seed %d: only %d faults and %d reconnections: the test did not exercise resumption", sd, total, reconnects.Load())
	}
}
