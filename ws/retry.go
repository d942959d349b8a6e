package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"duplex.dev/internal/backoff"
	"duplex.dev/internal/defaults"
)

// RetryPolicy is an exponential backoff with full jitter: before retry
// number attempt (0 for the first retry) a client waits a uniformly random
// time in [0, min(Max, Initial·Multiplier^attempt)]. Full jitter spreads
// the reconnections of many clients dropped at once (a server restart)
// instead of having them return in waves.
type RetryPolicy struct {
	// Initial caps the first delay. Zero means DefaultRetryPolicy's.
	Initial time.Duration
	// Max caps every delay. Zero means DefaultRetryPolicy's.
	Max time.Duration
	// Multiplier grows the cap after each failed attempt. Values below 1
	// mean DefaultRetryPolicy's; 1 keeps the cap at Initial.
	Multiplier float64
	// MaxAttempts bounds the dial attempts (including the first) made by
	// one DialWithRetry call, and the consecutive failed ones in
	// Reconnect; 0 means unlimited (until the context ends).
	MaxAttempts int
}

// DefaultRetryPolicy waits up to 250ms before the first retry, doubles that
// cap after each failure up to 30s, and never gives up on its own: bound it
// with a context or MaxAttempts.
var DefaultRetryPolicy = RetryPolicy{Initial: defaults.RetryInitial, Max: defaults.RetryMax, Multiplier: defaults.RetryMultiplier, MaxAttempts: 0}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Initial <= 0 {
		p.Initial = DefaultRetryPolicy.Initial
	}
	if p.Max <= 0 {
		p.Max = DefaultRetryPolicy.Max
	}
	if p.Multiplier < 1 {
		p.Multiplier = DefaultRetryPolicy.Multiplier
	}
	return p
}

// Ceiling returns the largest delay Delay may return before retry number
// attempt: min(Max, Initial·Multiplier^attempt).
func (p RetryPolicy) Ceiling(attempt int) time.Duration {
	p = p.withDefaults()
	if attempt < 0 {
		attempt = 0
	}
	c := float64(p.Initial) * math.Pow(p.Multiplier, float64(attempt))
	if math.IsInf(c, 0) || math.IsNaN(c) || c >= float64(p.Max) {
		return p.Max
	}
	return time.Duration(c)
}

// Delay returns how long to wait before retry number attempt (0 for the
// first retry): uniform in [0, Ceiling(attempt)]. rnd makes it
// reproducible in tests; nil uses the global source.
func (p RetryPolicy) Delay(attempt int, rnd *rand.Rand) time.Duration {
	ceiling := int64(p.Ceiling(attempt))
	if rnd == nil {
		return time.Duration(rand.Int64N(ceiling + 1))
	}
	return time.Duration(rnd.Int64N(ceiling + 1))
}

// Retryable reports whether a client should dial again after err, by the
// rule Duplex servers follow:
//
//   - retry: network failures (refused, reset, dropped), close codes 1001,
//     1006, 1011–1014 and 4000–4499, and handshake refusals with HTTP 429,
//     502, 503 or 504;
//   - do not retry: io.EOF (close 1000, the stream is over), close codes
//     1002, 1003, 1007, 1008, 1009 and 4500–4999, other HTTP statuses
//     (400, 401, 403, 404 …: the request itself must change), invalid
//     URLs, context cancellation or expiry, and a connection this client
//     closed.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var herr *HTTPError
	if errors.As(err, &herr) {
		switch herr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	if code := CloseStatus(err); code != -1 {
		return code.Retryable()
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) && !isNetworkError(err) {
		return false
	}
	return isNetworkError(err)
}

func isNetworkError(err error) bool {
	var uerr *url.Error
	var nerr net.Error
	var operr *net.OpError
	return errors.As(err, &uerr) || errors.As(err, &nerr) || errors.As(err, &operr) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// DialURLs returns the URLs a client configured by config tries, in
// order: rawURL, then rawURL with each of config.Hosts in place of its own.
func DialURLs(rawURL string, config DialConfig) []string {
	return newDialConfig(config).urls(rawURL)
}

func (cfg *dialConfig) urls(rawURL string) []string {
	urls := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil {
		return urls // dial reports the invalid URL
	}
	for _, h := range cfg.hosts {
		v := *u
		v.Host = h
		urls = append(urls, v.String())
	}
	return urls
}

// maxRetryAfter bounds the wait RetryAfter asks for, so that a server's
// mistake (or a hostile proxy) cannot park a client for hours.
const maxRetryAfter = 5 * time.Minute

// RetryAfter returns how long a server that refused the handshake with
// 429 or 503 asked the client to wait, in its Retry-After header (seconds
// or an HTTP date), at most maxRetryAfter; 0 for any other error or when
// the header is absent or invalid. DialWithRetry, Reconnect and resumable
// streams wait at least that long before the next attempt.
func RetryAfter(err error) time.Duration {
	var herr *HTTPError
	if !errors.As(err, &herr) || herr.Header == nil ||
		(herr.StatusCode != http.StatusTooManyRequests && herr.StatusCode != http.StatusServiceUnavailable) {
		return 0
	}
	d, _ := backoff.RetryAfter(herr.Header.Get("Retry-After"))
	return min(d, maxRetryAfter)
}

// retryHooks replace the waiting and the randomness of the backoff, for
// tests (export_test.go): sleep is called instead of waiting d before each
// retry, a non-nil error stopping the retries (it must honour ctx as the
// default wait does); jitter is the source of the backoff's jitter, so
// that a test can predict the delays (with jitter seeded like a copy
// handed to RetryPolicy.Delay, they are Delay(0, copy), Delay(1, copy) …;
// one DialWithRetry or Reconnect call at a time uses it).
type retryHooks struct {
	sleep  func(ctx context.Context, d time.Duration) error
	jitter *rand.Rand
}

func (cfg *dialConfig) jitterSource() *rand.Rand {
	if cfg.hooks.jitter != nil {
		return cfg.hooks.jitter
	}
	return newJitterSource()
}

func (cfg *dialConfig) wait(ctx context.Context, d time.Duration) error {
	if cfg.hooks.sleep != nil {
		return cfg.hooks.sleep(ctx, d)
	}
	return backoff.Sleep(ctx, d)
}

// DialWithRetry dials like Dial and, while the failure is Retryable, dials
// again after the backoff of config.Retry (DefaultRetryPolicy if none),
// until it connects, the policy's MaxAttempts is reached or ctx ends. It
// returns at once on a failure that retrying cannot fix (401,
// 403, a bad URL …). Its error wraps the last dial error (and ctx's error
// when ctx ended). The StateFunc sees Connecting, then Reconnecting
// before each retry, then Connected or Closed.
func DialWithRetry(ctx context.Context, url string, config DialConfig) (*ClientConn, error) {
	cfg := newDialConfig(config)
	cfg.setState(Connecting)
	c, err := dialWithRetry(ctx, url, cfg, cfg.jitterSource())
	if err != nil {
		cfg.setState(Closed)
		return nil, err
	}
	return c, nil
}

func newJitterSource() *rand.Rand {
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

func dialWithRetry(ctx context.Context, url string, cfg *dialConfig, rnd *rand.Rand) (*ClientConn, error) {
	attempt, next := 0, 0
	return dialWithRetryFrom(ctx, cfg.urls(url), &next, cfg, rnd, &attempt)
}

// Reconnect keeps a session running over a connection to url: it dials
// with retry (as DialWithRetry), runs session, closes the connection, and
// when session's error is Retryable (the server went away with 1001, a
// slow-consumer 4000, a dropped connection …) dials again after a backoff.
// It returns nil when session returns nil or io.EOF (the server ended the
// stream with 1000), and session's or the dial's error when retrying cannot
// help (1008, 4500–4999, 401 …), when MaxAttempts consecutive dials failed,
// or when ctx ends. The backoff restarts from Initial after a connection
// that stayed up at least the policy's Max.
//
// Messages sent on a connection that dropped are not replayed: that is
// what the resumable protocol (docs/protocol.md) is for.
func Reconnect(ctx context.Context, url string, session func(ctx context.Context, c *ClientConn) error, config DialConfig) error {
	cfg := newDialConfig(config)
	p := cfg.retry.withDefaults()
	rnd := cfg.jitterSource()
	// Each connection's end is a step, not the end: Closed is reported
	// once, when Reconnect returns.
	report := cfg.stateFunc
	if report != nil {
		cfg.stateFunc = func(s State) {
			if s != Closed {
				report(s)
			}
		}
	}
	defer func() {
		if report != nil {
			report(Closed)
		}
	}()
	cfg.setState(Connecting)
	urls := cfg.urls(url)
	attempt, next := 0, 0
	for {
		c, err := dialWithRetryFrom(ctx, urls, &next, cfg, rnd, &attempt)
		if err != nil {
			return err
		}
		started := time.Now()
		err = session(ctx, c)
		_ = c.Close()
		if err == nil || errors.Is(err, io.EOF) {
			return nil
		}
		if !Retryable(err) || ctx.Err() != nil {
			return err
		}
		if time.Since(started) >= p.Max {
			attempt = 0
		}
		cfg.setState(Reconnecting)
		if werr := cfg.wait(ctx, max(p.Delay(attempt, rnd), RetryAfter(err))); werr != nil {
			return fmt.Errorf("%w while reconnecting; last error: %w", werr, err)
		}
		attempt++
	}
}

// dialWithRetryFrom is dialWithRetry continuing the backoff at *attempt,
// dialling urls[*next] and moving on to the next URL after each failure;
// MaxAttempts counts the failed dials of this call.
func dialWithRetryFrom(ctx context.Context, urls []string, next *int, cfg *dialConfig, rnd *rand.Rand, attempt *int) (*ClientConn, error) {
	p := cfg.retry
	for failed := 0; ; failed++ {
		c, err := dial(ctx, urls[*next], cfg)
		if err == nil {
			return c, nil
		}
		*next = (*next + 1) % len(urls)
		if !Retryable(err) {
			return nil, err
		}
		if p.MaxAttempts > 0 && failed+1 >= p.MaxAttempts {
			return nil, fmt.Errorf("giving up after %d attempts: %w", failed+1, err)
		}
		cfg.setState(Reconnecting)
		if werr := cfg.wait(ctx, max(p.Delay(*attempt, rnd), RetryAfter(err))); werr != nil {
			return nil, fmt.Errorf("%w after %d attempts; last error: %w", werr, failed+1, err)
		}
		*attempt++
	}
}
