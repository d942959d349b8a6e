package mux_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"duplex.dev/mux"
	"duplex.dev/transport"
)

// TestStalledStreamDoesNotSlowOthers measures how long 8 streams take to
// deliver 5,000 messages each (1,000 under -race) on a connection where a ninth stream's
// consumer stalled (it reads nothing while its handler has more to send
// than its credit and send queue hold), and, at the same time, on a second
// connection of the same server without a stall: both run concurrently, so
// that the machine's load weighs on both alike. Over 4 rounds (the stall
// alternating between the connections) the streams' throughput next to the
// stall is at least 0.9× the throughput without it, and the stalled stream
// still works afterwards.
func TestStalledStreamDoesNotSlowOthers(t *testing.T) {
	a := newAPI(t, apiOption{})
	conns := []*transport.Dialer{a.dialer(t, false), a.dialer(t, false)}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Rounds long enough (~0.2 s) that scheduling noise averages out.
	streams, msgs, rounds := 8, 5000, 4
	if raceEnabled || testing.Short() {
		msgs = 1000
	}
	run := func(d *transport.Dialer) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for i := range streams {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := countOnce(ctx, d, msgs); err != nil {
					t.Errorf("stream %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	run(conns[0]) // warm up: the connections, the server's pools
	run(conns[1])
	var free, stalled []time.Duration
	for round := range rounds {
		withStall, without := conns[round%2], conns[1-round%2]

		// The stalled stream: its handler sends 100,000 messages, of which
		// the client takes none. Once its Send accepted the credit (64) and
		// the send queue (16), the next Send waits.
		before := a.flooded.Load()
		q := url.Values{"n": {"100000"}, "token": {"secret"}}
		s, err := transport.Dial[any, int](ctx, withStall, "test flood", "/flood", q, nil, false)
		if err != nil {
			t.Fatalf("round %d: flood: %v", round, err)
		}
		st := s.(*transport.ClientStream[any, int])
		full := before + mux.DefaultCredit + 16
		for a.flooded.Load() < full {
			select {
			case <-ctx.Done():
				t.Fatalf("round %d: the flood handler sent %d messages, want %d", round, a.flooded.Load()-before, full-before)
			case <-time.After(time.Millisecond):
			}
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); stalled = append(stalled, run(withStall)) }()
		go func() { defer wg.Done(); free = append(free, run(without)) }()
		wg.Wait()
		if n := a.flooded.Load() - before; n != mux.DefaultCredit+16 {
			t.Errorf("round %d: the stalled stream's handler sent %d messages, want %d (credit and queue)", round, n, mux.DefaultCredit+16)
		}
		// The stalled stream was held, not broken: its messages come in order.
		for want := range 200 {
			got, err := st.RecvWithContext(ctx)
			if err != nil || got != want {
				t.Fatalf("round %d: stalled stream: got %d, %v; want %d", round, got, err, want)
			}
		}
		st.Close()
		select { // its handler counts no more once it returned
		case <-a.floodEnd:
		case <-ctx.Done():
			t.Fatalf("round %d: the flood handler did not return after the stream's close", round)
		}
	}
	sum := func(ds []time.Duration) (s time.Duration) {
		for _, d := range ds {
			s += d
		}
		return s
	}
	ratio := float64(sum(free)) / float64(sum(stalled))
	t.Logf("%d streams × %d messages, per round: next to the stall %v, on the other connection %v; throughput ratio %.2f",
		streams, msgs, fmtDurations(stalled), fmtDurations(free), ratio)
	if ratio < 0.9 {
		t.Errorf("throughput next to a stalled stream is %.2f× the throughput without, want ≥ 0.9×", ratio)
	}
}

func fmtDurations(ds []time.Duration) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += " "
		}
		s += d.Round(time.Millisecond).String()
	}
	return s
}
