package transport

import (
	"math"
	"net/http"
	"strconv"
	"time"

	duplex "duplex.dev"
	"duplex.dev/internal/admit"
	"duplex.dev/internal/ratelimit"
)

// UnaryConfig configures the handler of a unary method (see Unary); a zero
// field means the default. The generated server passes the design's
// configuration, then the one given to its New, whose set fields win, so a
// deployment can override the design.
type UnaryConfig struct {
	// SubjectRate caps the requests of one subject (the identity its auth
	// function gave to security.Authenticated) to SubjectRate a second on
	// average, with bursts of SubjectBurst. A request past it is answered
	// 429 with a Retry-After header, and the method does not run. Requests
	// without a subject are not counted. Default unlimited; a negative
	// SubjectRate turns off the design's.
	SubjectRate  float64
	SubjectBurst int
	// IdempotencyTTL is how long the response to a request carrying an
	// Idempotency-Key header is kept for its retries, and IdempotencyBytes
	// how many bytes of such responses the method keeps at most (the
	// oldest go first). Defaults 10 minutes and 4 MiB; a negative
	// IdempotencyBytes turns Idempotency-Key off: every request runs the
	// method.
	IdempotencyTTL   time.Duration
	IdempotencyBytes int
	// ResponseEncoder, when set, is called with the method's result before
	// it is written: it sets what travels outside the body (the cookies of
	// Cookie in Response) and returns the body to write as JSON, or nil to
	// write the status alone. Generated servers set it for the methods
	// whose response sets cookies.
	ResponseEncoder func(w http.ResponseWriter, result any) (body any)
}

// Default bounds of the Idempotency-Key store of one unary method.
const (
	defaultIdempotencyTTL   = 10 * time.Minute
	defaultIdempotencyBytes = 4 << 20
)

// unaryQuota is what Unary keeps between requests.
type unaryQuota struct {
	cfg   UnaryConfig
	limit *ratelimit.Keyed // nil: no per-subject rate
	idem  *idempotencyStore
}

// newUnaryQuota returns the state of a handler configured by cfgs, the
// later ones' set fields winning.
func newUnaryQuota(cfgs []UnaryConfig) *unaryQuota {
	cfg := UnaryConfig{IdempotencyTTL: defaultIdempotencyTTL, IdempotencyBytes: defaultIdempotencyBytes}
	for _, c := range cfgs {
		if c.SubjectRate != 0 {
			cfg.SubjectRate, cfg.SubjectBurst = c.SubjectRate, c.SubjectBurst
		}
		if c.IdempotencyTTL != 0 {
			cfg.IdempotencyTTL = c.IdempotencyTTL
		}
		if c.IdempotencyBytes != 0 {
			cfg.IdempotencyBytes = c.IdempotencyBytes
		}
		if c.ResponseEncoder != nil {
			cfg.ResponseEncoder = c.ResponseEncoder
		}
	}
	q := &unaryQuota{cfg: cfg}
	if cfg.SubjectRate > 0 {
		q.limit = ratelimit.NewKeyed(cfg.SubjectRate, cfg.SubjectBurst)
	}
	if cfg.IdempotencyBytes > 0 && cfg.IdempotencyTTL > 0 {
		q.idem = newIdempotencyStore(cfg.IdempotencyTTL, cfg.IdempotencyBytes)
	}
	return q
}

// admit returns the request's context, in which security.Authenticated
// applies the per-subject rate; *retryAfter is set when it refused.
func (q *unaryQuota) admit(r *http.Request, retryAfter *time.Duration) *http.Request {
	if q.limit == nil {
		return r
	}
	return r.WithContext(admit.OnAuthenticated(r.Context(), func(subject string) error {
		ok, d := q.limit.Allow(subject)
		if ok {
			return nil
		}
		*retryAfter = d
		e := duplex.NewError(duplex.CodeResourceExhausted, "rate_limited", "rate limited: more than %g requests a second from this user; retry after %s", q.cfg.SubjectRate, d.Round(time.Millisecond))
		e.Temporary = true
		return e
	}))
}

// setRetryAfter sets the Retry-After header to d in whole seconds, at least
// one.
func setRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
