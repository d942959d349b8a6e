package ws

import (
	"context"
	"math/rand/v2"
	"time"
)

// Test hooks and names the external tests use; users never call them.
var ErrSlowConsumer = errSlowConsumer

const MaxRetryAfter = maxRetryAfter

// WithRetrySleep returns c with sleep called instead of each backoff wait
// (see retryHooks).
func WithRetrySleep(c DialConfig, sleep func(ctx context.Context, d time.Duration) error) DialConfig {
	c.hooks.sleep = sleep
	return c
}

// WithRetryRand returns c drawing the backoff's jitter from r (see
// retryHooks).
func WithRetryRand(c DialConfig, r *rand.Rand) DialConfig {
	c.hooks.jitter = r
	return c
}
