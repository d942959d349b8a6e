package transport

import (
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"duplex.dev/internal/backoff"
)

// Unary calls retry a failure that leaves them ambiguous (the connection
// broke before the response: did the method run?) or that the server says
// is temporary (429, 503 with Retry-After; 409 while a call with the same
// Idempotency-Key is still running), when repeating the request is safe: a
// GET, HEAD or OPTIONS, or a request with an Idempotency-Key, which the
// server runs at most once.
const (
	// unaryAttempts is how many times Do sends a request at most.
	unaryAttempts = 4
	// unaryBackoff is the delay before the first retry, doubled (with
	// jitter) for each next one.
	unaryBackoff = 100 * time.Millisecond
	// maxRetryAfter is the longest Retry-After Do waits for; a longer one
	// is returned to the caller as the error it is.
	maxRetryAfter = 10 * time.Second
)

// newIdempotencyKey returns a random key for one call.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// safeToRetry reports whether req may be sent again without running its
// method twice.
func safeToRetry(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return req.Header.Get(IdempotencyKeyHeader) != ""
}

// retryDelay returns how long to wait before sending req again after
// attempt (0 for the first) got resp (nil after a network error), and
// whether to retry at all.
func retryDelay(req *http.Request, resp *http.Response, attempt int) (time.Duration, bool) {
	if attempt+1 >= unaryAttempts || !safeToRetry(req) || req.Context().Err() != nil {
		return 0, false
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return 0, false
	}
	jittered := unaryBackoff << attempt
	jittered = jittered/2 + mrand.N(jittered/2+1)
	if resp == nil {
		return jittered, true
	}
	switch resp.StatusCode {
	case http.StatusConflict:
		if resp.Header.Get("goa-error") != "idempotency_key_in_use" {
			return 0, false
		}
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return 0, false
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		d, ok := backoff.RetryAfter(s)
		if !ok || d > maxRetryAfter {
			return 0, false
		}
		return max(d, jittered), true
	}
	return jittered, resp.StatusCode == http.StatusConflict
}

// rewind returns a copy of req to send again, with a fresh body.
func rewind(req *http.Request) (*http.Request, error) {
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("%s %s: rewind request body: %w", req.Method, req.URL.Path, err)
		}
		again.Body = b
	}
	return again, nil
}

// send sends req with c, retrying as Do says.
func send(c *http.Client, req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.Do(req)
		d, retry := retryDelay(req, resp, attempt)
		if !retry {
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
			}
			return resp, nil
		}
		if resp != nil {
			resp.Body.Close()
		}
		if err := backoff.Sleep(req.Context(), d); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
		}
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}
