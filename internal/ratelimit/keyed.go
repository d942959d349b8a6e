package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket of perSecond tokens a second and burst tokens per
// key. It is safe for concurrent use.
type Keyed struct {
	limit rate.Limit
	burst int

	mu    sync.Mutex
	m     map[string]*rate.Limiter
	sweep int // len(m) that triggers the next sweep
}

// sweepAt is the size of the table below which nothing is swept.
const sweepAt = 1024

// NewKeyed returns a Keyed with perSecond tokens a second and bursts of
// burst (at least 1).
func NewKeyed(perSecond float64, burst int) *Keyed {
	return &Keyed{limit: rate.Limit(perSecond), burst: max(burst, 1), m: make(map[string]*rate.Limiter), sweep: sweepAt}
}

// Allow takes one token from key's bucket. When there is none it returns
// false and how long until there is one. The clock is read under the
// table's lock: a rate.Limiter given times out of order refills twice.
func (k *Keyed) Allow(key string) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	l := k.m[key]
	if l == nil {
		if len(k.m) >= k.sweep {
			k.sweepLocked(now)
		}
		l = rate.NewLimiter(k.limit, k.burst)
		k.m[key] = l
	}
	return Take(l, now)
}

// Len returns the number of keys held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// sweepLocked forgets the buckets that are full again: a new one is the
// same. The next sweep waits until the table has doubled, so the cost of
// sweeping stays proportional to the keys added.
func (k *Keyed) sweepLocked(now time.Time) {
	for key, l := range k.m {
		if l.TokensAt(now) >= float64(k.burst) {
			delete(k.m, key)
		}
	}
	k.sweep = max(2*len(k.m), sweepAt)
}

// Take takes one token from l. When there is none it returns false and how
// long until there is one; l is left as it was. Calls on one l must come
// with times in order (one goroutine, or under a lock).
func Take(l *rate.Limiter, now time.Time) (bool, time.Duration) {
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
