package ws

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"duplex.dev/internal/admit"
	"duplex.dev/internal/ratelimit"
)

// limits are the message rate limits of one connection: its own bucket and,
// once its auth function named a subject, the subject's on the endpoint.
type limits struct {
	conn *rate.Limiter
	mu   sync.Mutex
	subj string // the subject, once known
	ep   *endpoint
}

// withLimits sets up c's message rate limits, and the hook through which
// security.Authenticated tells c its subject.
func (c *Conn) withLimits() {
	cfg := &c.ep.cfg
	if cfg.MessageRate <= 0 && cfg.SubjectMessageRate <= 0 {
		return
	}
	c.limits = &limits{ep: c.ep}
	if cfg.MessageRate > 0 {
		c.limits.conn = rate.NewLimiter(rate.Limit(cfg.MessageRate), max(cfg.MessageBurst, 1))
	}
	if cfg.SubjectMessageRate > 0 {
		c.ctx = admit.OnAuthenticated(c.ctx, func(subject string) error {
			c.limits.mu.Lock()
			c.limits.subj = subject
			c.limits.mu.Unlock()
			return nil
		})
	}
}

// admitFrame takes a token for one received frame; past a limit it closes
// the connection with StatusRateLimited and returns that error.
func (c *Conn) admitFrame() error {
	l := c.limits
	if l == nil {
		return nil
	}
	now := time.Now()
	if l.conn != nil {
		if ok, _ := ratelimit.Take(l.conn, now); !ok {
			return c.refuse(StatusRateLimited, fmt.Sprintf("too many messages: more than %g a second on this connection", c.ep.cfg.MessageRate))
		}
	}
	l.mu.Lock()
	subj := l.subj
	l.mu.Unlock()
	if subj != "" {
		if ok, _ := l.ep.subjectLimits().Allow(subj); !ok {
			return c.refuse(StatusRateLimited, fmt.Sprintf("too many messages: more than %g a second from this user, over all its connections", c.ep.cfg.SubjectMessageRate))
		}
	}
	return nil
}

// subjectLimits returns the endpoint's per-subject buckets, made on first
// use.
func (e *endpoint) subjectLimits() *ratelimit.Keyed {
	e.subjOnce.Do(func() {
		e.subj = ratelimit.NewKeyed(e.cfg.SubjectMessageRate, e.cfg.SubjectMessageBurst)
	})
	return e.subj
}
