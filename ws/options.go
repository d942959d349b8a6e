package ws

import (
	"log/slog"
	"time"

	"duplex.dev/internal/defaults"
)

// Config is the effective configuration of a connection. NewServer starts
// from DefaultConfig and applies its options; each Endpoint's Options are
// applied after the server's, so a method can, for example, raise its read
// limit or choose DropOldest. MaxConnections, MaxConnectionsPerIP,
// UpgradeRate and UpgradeBurst are server-wide: only the server's options
// set them.
type Config struct {
	// ReadLimit is the largest message accepted from a peer, in bytes; a
	// larger one closes the connection with 1009. Default 1 MiB.
	ReadLimit int64
	// HeartbeatInterval is how often the server pings an idle peer, and
	// HeartbeatTimeout how long it waits for the pong before it declares
	// the peer dead and releases the connection. Defaults 25 s and 60 s;
	// an interval of 0 disables heartbeats.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// WriteTimeout bounds one write of queued frames and the final flush
	// before a close (a peer that does not read for that long is dropped),
	// and how long Send waits for room in a full queue. Default 10 s.
	WriteTimeout time.Duration
	// WriteDelay is how long a queued frame waits for others to join it
	// in one write, a latency traded for fewer system calls when a
	// connection gets many messages in quick succession (a busy room).
	// Every frame waits, the answer to a request included; a close waits
	// at most this long behind it. 0 writes at once (default).
	WriteDelay time.Duration
	// SendQueue is the number of frames that may wait for the writer of
	// one connection. When it is full, Send waits for room (up to
	// WriteTimeout) and SendRaw does not; SlowConsumer says what happens
	// then. Defaults 256 and Disconnect.
	SendQueue    int
	SlowConsumer Policy
	// Origins are the host patterns, besides the request's own host, whose
	// pages may open a connection (path.Match syntax, as coder/websocket's
	// AcceptOptions.OriginPatterns). Empty means same-origin only.
	Origins []string
	// CompressionThreshold enables permessage-deflate, without context
	// takeover, for clients that ask for it; frames smaller than the
	// threshold are sent uncompressed. 0 disables compression (default).
	CompressionThreshold int
	// Subprotocols are the Sec-WebSocket-Protocol values the server
	// accepts, in order of preference; Conn.Subprotocol tells which one
	// was chosen ("" when the client asked for none of them).
	Subprotocols []string
	// MaxConnections caps the connections of the server (HTTP 503 past it)
	// and MaxConnectionsPerIP those of one client address (HTTP 429). 0
	// means unlimited (default).
	MaxConnections, MaxConnectionsPerIP int
	// UpgradeRate caps new connections per second across the server with a
	// token bucket of UpgradeBurst (HTTP 429 past it). 0 means unlimited.
	UpgradeRate  float64
	UpgradeBurst int
	// UpgradeHeaderLimit caps the size of an upgrade request's headers
	// (request line and header fields, as sent), which net/http lets
	// reach 1 MB: a larger one gets HTTP 431. Default 16 KiB.
	UpgradeHeaderLimit int
	// MessageRate caps the messages one connection may send, per second on
	// average with bursts of MessageBurst; SubjectMessageRate and
	// SubjectMessageBurst do the same for all the connections of one
	// authenticated subject (see security.Authenticated) on the method. A
	// connection past either is closed with StatusRateLimited (4029). 0
	// means unlimited (default).
	MessageRate, SubjectMessageRate   float64
	MessageBurst, SubjectMessageBurst int
	// Logger receives connection events; nil means slog.Default().
	Logger *slog.Logger
	// Metrics receives connection metrics; nil records none.
	Metrics *Metrics

	// methods holds the options ForMethod gave for one method, by
	// service and method name (server options only).
	methods map[[2]string][]Option
}

// Policy says what SendRaw does when a connection's send queue is full, and
// what Send does when the queue stayed full for the write timeout.
type Policy int

const (
	// Disconnect closes the connection with StatusSlowConsumer (4000): the
	// client reconnects and catches up instead of falling further behind.
	Disconnect Policy = iota
	// DropOldest discards the oldest queued frame to make room, and counts
	// it in duplex_send_queue_drops_total; for streams where only the
	// latest state matters.
	DropOldest
)

// String returns the policy's name, for logs.
func (p Policy) String() string {
	switch p {
	case Disconnect:
		return "disconnect"
	case DropOldest:
		return "drop-oldest"
	}
	return "unknown policy"
}

// Option changes a Config; pass options to NewServer, or in
// Endpoint.Options for one method.
type Option func(*Config)

// DefaultConfig returns the configuration NewServer starts from.
func DefaultConfig() Config {
	return Config{
		ReadLimit:          defaults.ReadLimit,
		HeartbeatInterval:  defaults.HeartbeatInterval,
		HeartbeatTimeout:   defaults.HeartbeatTimeout,
		WriteTimeout:       defaults.WriteTimeout,
		SendQueue:          defaults.SendQueue,
		SlowConsumer:       Disconnect,
		UpgradeHeaderLimit: defaults.UpgradeHeaderLimit,
	}
}

// WithReadLimit sets the largest message accepted from a peer, in bytes;
// larger messages close the connection with 1009.
func WithReadLimit(n int64) Option { return func(c *Config) { c.ReadLimit = n } }

// WithHeartbeat pings the peer every interval and releases the connection
// when a pong does not arrive within timeout. An interval of 0 disables
// heartbeats.
func WithHeartbeat(interval, timeout time.Duration) Option {
	return func(c *Config) { c.HeartbeatInterval, c.HeartbeatTimeout = interval, timeout }
}

// WithWriteTimeout bounds each write to the peer; a peer that does not read
// for that long is dropped.
func WithWriteTimeout(d time.Duration) Option { return func(c *Config) { c.WriteTimeout = d } }

// WithWriteDelay makes queued frames wait d for others to join them in one
// write (see Config.WriteDelay). It pays off on methods whose connections
// get bursts of messages, such as a room's broadcasts; give it to one
// method with ForMethod.
func WithWriteDelay(d time.Duration) Option { return func(c *Config) { c.WriteDelay = d } }

// ForMethod applies opts to the streams of one method, named as in its
// Endpoint, after the method's own options (those the design gave it): a
// deployment can tune a method without changing the design. Options that
// are server-wide only have no effect there, as in Endpoint.Options, and
// ForMethod inside Endpoint.Options is ignored.
func ForMethod(service, method string, opts ...Option) Option {
	return func(c *Config) {
		if c.methods == nil {
			c.methods = make(map[[2]string][]Option)
		}
		k := [2]string{service, method}
		c.methods[k] = append(c.methods[k], opts...)
	}
}

// WithSendQueue sets how many frames may wait for a connection's writer and
// what happens when the queue is full: SendRaw applies p at once, Send
// waits for room first (see Conn.Send).
func WithSendQueue(size int, p Policy) Option {
	return func(c *Config) { c.SendQueue, c.SlowConsumer = size, p }
}

// WithOrigins allows pages served from hosts matching patterns (for example
// "app.example.com" or "https://*.example.com") to connect, besides the
// request's own host. Without it only same-origin pages and non-browser
// clients (no Origin header) connect.
func WithOrigins(patterns ...string) Option {
	return func(c *Config) { c.Origins = append([]string(nil), patterns...) }
}

// WithCompression negotiates permessage-deflate (no context takeover) with
// clients that ask for it; frames smaller than threshold bytes are sent
// uncompressed. A threshold of 0 or less means 512.
func WithCompression(threshold int) Option {
	return func(c *Config) {
		if threshold <= 0 {
			threshold = defaults.CompressionThreshold
		}
		c.CompressionThreshold = threshold
	}
}

// WithSubprotocols sets the subprotocols the server accepts, in order of
// preference.
func WithSubprotocols(names ...string) Option {
	return func(c *Config) { c.Subprotocols = append([]string(nil), names...) }
}

// WithMaxConnections caps the server's connections; requests past the cap
// get HTTP 503 before the upgrade. Server-wide only.
func WithMaxConnections(n int) Option { return func(c *Config) { c.MaxConnections = n } }

// WithMaxConnectionsPerIP caps the connections from one client address
// (the request's RemoteAddr; forwarding headers are not trusted); requests
// past the cap get HTTP 429 before the upgrade. Server-wide only.
func WithMaxConnectionsPerIP(n int) Option { return func(c *Config) { c.MaxConnectionsPerIP = n } }

// WithUpgradeRate caps new connections to perSecond on average with bursts
// of burst; requests past it get HTTP 429. Server-wide only.
func WithUpgradeRate(perSecond float64, burst int) Option {
	return func(c *Config) { c.UpgradeRate, c.UpgradeBurst = perSecond, burst }
}

// WithUpgradeHeaderLimit caps the size of an upgrade request's headers at
// n bytes (default 16 KiB); a larger request gets HTTP 431 before the
// upgrade. Whatever the limit, an upgraded connection keeps only the
// headers listed in Conn.Request.
func WithUpgradeHeaderLimit(n int) Option { return func(c *Config) { c.UpgradeHeaderLimit = n } }

// WithMessageRate closes a connection that sends more than perSecond
// messages a second on average, with bursts of burst, with
// StatusRateLimited (4029: the client reconnects with backoff). Every data
// frame counts, a resumable stream's acknowledgements included.
func WithMessageRate(perSecond float64, burst int) Option {
	return func(c *Config) { c.MessageRate, c.MessageBurst = perSecond, burst }
}

// WithSubjectMessageRate is WithMessageRate for all the connections of one
// subject to the method together: the subject its auth function gave to
// security.Authenticated. Connections without a subject are not counted.
func WithSubjectMessageRate(perSecond float64, burst int) Option {
	return func(c *Config) { c.SubjectMessageRate, c.SubjectMessageBurst = perSecond, burst }
}

// WithLogger sends connection events to l: connect and close (debug level,
// with code, reason and duration), handler errors (warn) and panics (error,
// with the stack). Query strings and headers are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// WithMetrics records connection metrics in m (see NewMetrics).
func WithMetrics(m *Metrics) Option { return func(c *Config) { c.Metrics = m } }
