// Package ratelimit holds the token buckets the runtime keeps per key (an
// authenticated subject) for its message rate limits. It is a thin layer
// over golang.org/x/time/rate: one limiter per key, created on first use and
// forgotten once it has refilled, so the table stays as small as the set of
// keys that are actually sending. It is not a general cache.
package ratelimit
