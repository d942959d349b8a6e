package transport

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"duplex.dev/internal/admit"
	"duplex.dev/internal/ratelimit"
)

// UnaryOption configures the handler of a unary method (see Unary). The
// generated server passes the design's options first, then the ones given
// to its New, so a deployment can override the design.
type UnaryOption func(*unaryConfig)

type unaryConfig struct {
	subjectRate  float64
	subjectBurst int
	idemTTL      time.Duration
	idemBytes    int
	encode       func(http.ResponseWriter, any) any
}

// Default bounds of the Idempotency-Key store of one unary method.
const (
	defaultIdempotencyTTL   = 10 * time.Minute
	defaultIdempotencyBytes = 4 << 20
)

// WithSubjectRate caps the requests of one subject (the identity its auth
// function gave to security.Authenticated) to perSecond a second on
// average, with bursts of burst. A request past it is answered 429 with a
// Retry-After header, and the method does not run. Requests without a
// subject are not counted. 0 means unlimited (default).
func WithSubjectRate(perSecond float64, burst int) UnaryOption {
	return func(c *unaryConfig) { c.subjectRate, c.subjectBurst = perSecond, burst }
}

// WithIdempotency sets how long the response to a request carrying an
// Idempotency-Key header is kept for its retries, and how many bytes of
// such responses the method keeps at most (the oldest go first). maxBytes
// of 0 or less turns Idempotency-Key off: every request runs the method.
// Defaults defaultIdempotencyTTL and defaultIdempotencyBytes.
func WithIdempotency(ttl time.Duration, maxBytes int) UnaryOption {
	return func(c *unaryConfig) { c.idemTTL, c.idemBytes = ttl, maxBytes }
}

// WithResponseEncoder makes the handler call encode with the method's
// result before writing it: encode sets what travels outside the body (the
// cookies of Cookie in Response) and returns the body to write as JSON, or
// nil to write the status alone. Generated servers pass it for the methods
// whose response sets cookies.
func WithResponseEncoder(encode func(w http.ResponseWriter, result any) (body any)) UnaryOption {
	return func(c *unaryConfig) { c.encode = encode }
}

// unaryQuota is what Unary keeps between requests.
type unaryQuota struct {
	cfg   unaryConfig
	limit *ratelimit.Keyed // nil: no per-subject rate
	idem  *idempotencyStore
}

func newUnaryQuota(opts []UnaryOption) *unaryQuota {
	cfg := unaryConfig{idemTTL: defaultIdempotencyTTL, idemBytes: defaultIdempotencyBytes}
	for _, o := range opts {
		o(&cfg)
	}
	q := &unaryQuota{cfg: cfg}
	if cfg.subjectRate > 0 {
		q.limit = ratelimit.NewKeyed(cfg.subjectRate, cfg.subjectBurst)
	}
	if cfg.idemBytes > 0 && cfg.idemTTL > 0 {
		q.idem = newIdempotencyStore(cfg.idemTTL, cfg.idemBytes)
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
		e := NewError(http.StatusTooManyRequests, "rate_limited", "rate limited: more than %g requests a second from this user; retry after %s", q.cfg.subjectRate, d.Round(time.Millisecond))
		e.Body.Temporary = true
		return e
	}))
}

// setRetryAfter sets the Retry-After header to d in whole seconds, at least
// one.
func setRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
