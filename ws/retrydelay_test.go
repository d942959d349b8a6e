package ws_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"duplex.dev/ws"
)

// These tests drive the backoff of docs/protocol.md 1.6 through
// ws.WithRetrySleep and ws.WithRetryRand: every delay the client asks for
// is recorded and returned at once, so they check the exact delays without
// waiting for them.

// delayRecorder is a WithRetrySleep hook that records each delay and
// returns without waiting.
type delayRecorder struct{ delays []time.Duration }

func (r *delayRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.delays = append(r.delays, d)
	return ctx.Err()
}

// expectedDelays is what RetryPolicy.Delay draws for retries 0 … n-1 from
// a source seeded like the client's.
func expectedDelays(p ws.RetryPolicy, seed uint64, n int) []time.Duration {
	rnd := rand.New(rand.NewPCG(seed, seed))
	var out []time.Duration
	for attempt := range n {
		out = append(out, p.Delay(attempt, rnd))
	}
	return out
}

func equalDelays(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// policy grows 100ms, 200ms, 400ms, 800ms, then is capped at 1s.
var policy = ws.RetryPolicy{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, MaxAttempts: 9}

func TestDialWithRetryDelaysFollowThePolicy(t *testing.T) {
	const seed = 42
	s := newRefusingServer(t, http.StatusServiceUnavailable, -1)
	rec := &delayRecorder{}
	start := time.Now()
	_, err := ws.DialWithRetry(testContext(t), s.URL, ws.WithRetrySleep(ws.WithRetryRand(ws.DialConfig{Retry: &policy}, rand.New(rand.NewPCG(seed, seed))), rec.sleep))
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("DialWithRetry = %v, want the last *HTTPError 503", err)
	}
	// MaxAttempts dials, so MaxAttempts-1 waits between them.
	if got := s.attempts.Load(); got != int32(policy.MaxAttempts) {
		t.Fatalf("server saw %d handshakes, want MaxAttempts = %d", got, policy.MaxAttempts)
	}
	want := expectedDelays(policy, seed, policy.MaxAttempts-1)
	if !equalDelays(rec.delays, want) {
		t.Fatalf("delays %v,\nwant RetryPolicy.Delay(0…%d) = %v", rec.delays, policy.MaxAttempts-2, want)
	}
	for i, d := range rec.delays {
		if ceiling := policy.Ceiling(i); d < 0 || d > ceiling || ceiling > policy.Max {
			t.Fatalf("delay %d = %v, outside [0, %v] or above Max", i, d, ceiling)
		}
	}
	// From retry 4 on the ceiling is Max: the growth stopped.
	for i := 4; i < len(rec.delays); i++ {
		if policy.Ceiling(i) != policy.Max {
			t.Fatalf("Ceiling(%d) = %v, want Max %v", i, policy.Ceiling(i), policy.Max)
		}
	}
	// The whole backoff adds up to several seconds; the hook skipped it.
	var total time.Duration
	for _, d := range rec.delays {
		total += d
	}
	t.Logf("requested %v of backoff in %d delays; took %v", total, len(rec.delays), time.Since(start).Round(time.Millisecond))
}

func TestDialWithRetryDelaysAreCappedAtMax(t *testing.T) {
	// A policy whose ceiling passes Max on the second retry: every later
	// delay is drawn from [0, Max], and with 40 draws some come close to
	// it, none above.
	p := ws.RetryPolicy{Initial: 10 * time.Millisecond, Max: 15 * time.Millisecond, Multiplier: 10, MaxAttempts: 41}
	s := newRefusingServer(t, http.StatusTooManyRequests, -1)
	rec := &delayRecorder{}
	_, err := ws.DialWithRetry(testContext(t), s.URL, ws.WithRetrySleep(ws.WithRetryRand(ws.DialConfig{Retry: &p}, rand.New(rand.NewPCG(7, 7))), rec.sleep))
	if err == nil {
		t.Fatal("DialWithRetry succeeded against a server that always answers 429")
	}
	if !equalDelays(rec.delays, expectedDelays(p, 7, 40)) {
		t.Fatalf("delays %v do not match RetryPolicy.Delay", rec.delays)
	}
	longest := time.Duration(0)
	for i, d := range rec.delays {
		if d > p.Max {
			t.Fatalf("delay %d = %v above Max %v", i, d, p.Max)
		}
		longest = max(longest, d)
	}
	if longest <= p.Initial {
		t.Fatalf("longest delay %v never went past Initial %v: the ceiling did not grow to Max", longest, p.Initial)
	}
}

func TestDialWithRetryDoesNotWaitOnANonRetryableError(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		s := newRefusingServer(t, status, -1)
		rec := &delayRecorder{}
		_, err := ws.DialWithRetry(testContext(t), s.URL, ws.WithRetrySleep(ws.WithRetryRand(ws.DialConfig{Retry: &policy}, rand.New(rand.NewPCG(1, 1))), rec.sleep))
		if ws.Retryable(err) {
			t.Fatalf("HTTP %d: Retryable(%v) = true", status, err)
		}
		if len(rec.delays) != 0 || s.attempts.Load() != 1 {
			t.Fatalf("HTTP %d: %d delays and %d handshakes, want 0 and 1", status, len(rec.delays), s.attempts.Load())
		}
	}
}

func TestDialWithRetryStopsWhenTheSleepHookFails(t *testing.T) {
	// A sleep that reports the context ended stops the retries, as the real
	// wait does when ctx ends during a backoff.
	s := newRefusingServer(t, http.StatusServiceUnavailable, -1)
	calls := 0
	_, err := ws.DialWithRetry(testContext(t), s.URL, ws.WithRetrySleep(ws.DialConfig{Retry: &policy}, func(ctx context.Context, d time.Duration) error {
		calls++
		if calls == 3 {
			return context.Canceled
		}
		return nil
	}))
	if !errors.Is(err, context.Canceled) || ws.Retryable(err) {
		t.Fatalf("DialWithRetry = %v, want it to wrap context.Canceled", err)
	}
	if got := s.attempts.Load(); got != 3 {
		t.Fatalf("server saw %d handshakes, want 3 (the third wait failed)", got)
	}
}

func TestReconnectDelaysFollowThePolicy(t *testing.T) {
	// The server closes connections 0…4 with retryable codes, then 1008:
	// Reconnect waits Delay(0) … Delay(4) between them and stops at the
	// 1008 without waiting.
	p, conns := closingServer(t, ws.StatusGoingAway, ws.StatusInternalError, ws.StatusTryAgainLater,
		ws.StatusSlowConsumer, ws.StatusServiceRestart, ws.StatusPolicyViolation)
	rec := &delayRecorder{}
	const seed = 9
	err := ws.Reconnect(testContext(t), p.URL, readAll, ws.WithRetrySleep(ws.WithRetryRand(ws.DialConfig{Retry: &policy}, rand.New(rand.NewPCG(seed, seed))), rec.sleep))
	if ws.CloseStatus(err) != ws.StatusPolicyViolation || ws.Retryable(err) {
		t.Fatalf("Reconnect = %v, want the non-retryable 1008", err)
	}
	if got := conns.Load(); got != 6 {
		t.Fatalf("server saw %d connections, want 6", got)
	}
	if want := expectedDelays(policy, seed, 5); !equalDelays(rec.delays, want) {
		t.Fatalf("delays %v, want RetryPolicy.Delay(0…4) = %v", rec.delays, want)
	}
}

func TestReconnectStopsAtMaxAttemptsWithTheExpectedDelays(t *testing.T) {
	s := newRefusingServer(t, http.StatusServiceUnavailable, -1)
	p := policy
	p.MaxAttempts = 5
	rec := &delayRecorder{}
	err := ws.Reconnect(testContext(t), s.URL, readAll, ws.WithRetrySleep(ws.WithRetryRand(ws.DialConfig{Retry: &p}, rand.New(rand.NewPCG(3, 3))), rec.sleep))
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("Reconnect = %v, want the last *HTTPError 503", err)
	}
	if got := s.attempts.Load(); got != 5 {
		t.Fatalf("server saw %d handshakes, want MaxAttempts = 5", got)
	}
	if want := expectedDelays(p, 3, 4); !equalDelays(rec.delays, want) {
		t.Fatalf("delays %v, want %v", rec.delays, want)
	}
}
