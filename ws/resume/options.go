package resume

import (
	"time"

	"duplex.dev/internal/defaults"
)

// Policy says what sending does when a replay buffer is full of
// unacknowledged messages.
type Policy int

const (
	// Wait makes Send wait (honouring its context) until the other side
	// acknowledges enough messages: back-pressure, and no loss. While the
	// client is away, the handler's Send waits for it to resume or for
	// the session to expire.
	Wait Policy = iota
	// Fail ends the session instead (a later resume gets close 4500): for
	// producers that must never block, such as broadcasts.
	Fail
)

// Config holds a Manager's settings; NewManager starts from
// DefaultConfig.
type Config struct {
	// Grace is how long a session outlives its connection, waiting for
	// the client to resume. Default 30 s.
	Grace time.Duration
	// MaxSessions bounds the sessions a Manager holds, connected or not;
	// a new session past it is refused with close 1013 (try again
	// later). Default 10,000.
	MaxSessions int
	// MaxSessionsPerIP and MaxSessionsPerSubject bound the sessions one
	// client address and one subject (the credentials and parameters of
	// the request, in generated servers) hold; a new session past either
	// is refused with close 1013, like one past MaxSessions, and a
	// resume is never refused. Defaults 1,000 and 100: one address
	// (a NAT) or one user cannot take the whole table.
	MaxSessionsPerIP, MaxSessionsPerSubject int
	// ReplayMessages and ReplayBytes bound each session's buffer of sent,
	// unacknowledged messages; Overflow says what happens when it is
	// full. Defaults 1024, 1 MiB and Wait.
	ReplayMessages, ReplayBytes int
	Overflow                    Policy
	// AckEvery and AckDelay batch acknowledgements: one is sent after
	// AckEvery messages were consumed, or AckDelay after the first one not
	// yet acknowledged. Defaults 32 and 200 ms.
	AckEvery int
	AckDelay time.Duration
	// HelloTimeout bounds the wait for a new connection's first frame.
	// Default 10 s.
	HelloTimeout time.Duration
}

// DefaultConfig returns the settings NewManager starts from.
func DefaultConfig() Config {
	return Config{Grace: defaults.Grace, MaxSessions: defaults.MaxSessions, MaxSessionsPerIP: defaults.MaxSessionsPerIP,
		MaxSessionsPerSubject: defaults.MaxSessionsPerSubject, ReplayMessages: defaults.ReplayMessages, ReplayBytes: defaults.ReplayBytes,
		AckEvery: defaults.AckEvery, AckDelay: defaults.AckDelay, HelloTimeout: defaults.HandshakeTimeout}
}

// Option changes a Manager's Config.
type Option func(*Config)

// WithGrace sets how long a session waits for its client to resume after
// the connection dropped (default 30 s).
func WithGrace(d time.Duration) Option { return func(c *Config) { c.Grace = d } }

// WithMaxSessions bounds the number of sessions (default 10,000).
func WithMaxSessions(n int) Option { return func(c *Config) { c.MaxSessions = n } }

// WithMaxSessionsPer bounds the sessions of one client address and of one
// subject (defaults 1,000 and 100); 0 keeps a default.
func WithMaxSessionsPer(ip, subject int) Option {
	return func(c *Config) { c.MaxSessionsPerIP, c.MaxSessionsPerSubject = ip, subject }
}

// WithReplayBuffer bounds each session's buffer of unacknowledged messages
// by count and bytes, and says what a full buffer does (Wait or Fail).
func WithReplayBuffer(messages, bytes int, p Policy) Option {
	return func(c *Config) { c.ReplayMessages, c.ReplayBytes, c.Overflow = messages, bytes, p }
}

// WithAcks sets how acknowledgements are batched: after every messages
// consumed, or delay after the first unacknowledged one.
func WithAcks(every int, delay time.Duration) Option {
	return func(c *Config) { c.AckEvery, c.AckDelay = every, delay }
}

// WithHelloTimeout bounds the wait for a connection's first frame.
func WithHelloTimeout(d time.Duration) Option { return func(c *Config) { c.HelloTimeout = d } }

// fill replaces every setting that is not positive with its default.
func (c *Config) fill() {
	d := DefaultConfig()
	for _, f := range []struct{ v, def *int }{{&c.MaxSessions, &d.MaxSessions}, {&c.MaxSessionsPerIP, &d.MaxSessionsPerIP},
		{&c.MaxSessionsPerSubject, &d.MaxSessionsPerSubject}, {&c.ReplayMessages, &d.ReplayMessages}, {&c.ReplayBytes, &d.ReplayBytes}, {&c.AckEvery, &d.AckEvery}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *time.Duration }{{&c.Grace, &d.Grace}, {&c.AckDelay, &d.AckDelay}, {&c.HelloTimeout, &d.HelloTimeout}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
}
