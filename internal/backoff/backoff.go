// Package backoff holds what every retry loop of the runtime shares: the
// wait between two attempts and the reading of a server's Retry-After.
// duplex.dev/ws (dial with retry, reconnect), ws/resume (resumable
// streams) and transport (unary calls) retry with it; each keeps its own
// policy (how many attempts, which failures, how long at most).
package backoff

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sleep waits d, or until ctx ends and returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryAfter returns the wait a Retry-After header value asks for
// (RFC 9110 section 10.2.3: delay-seconds, or an HTTP date, whose wait
// is never negative), and false when v is empty or neither.
func RetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}
