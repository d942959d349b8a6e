package ws

import (
	"log/slog"
	"reflect"
	"time"

	"duplex.dev/internal/defaults"
)

// Config configures a Server (NewServer), and one method's streams
// (Endpoint.Config, Config.Methods). A zero field means the default, as in
// net/http.Server: DefaultConfig holds them, and a field set to a negative
// value turns off what its zero would leave on (HeartbeatInterval,
// WriteDelay, CompressionThreshold, MessageRate, SubjectMessageRate). A
// method's configuration is the server's with the fields its Endpoint
// sets (those the design gave it), then those of Methods[its name]:
// MaxConnections, MaxConnectionsPerIP, UpgradeRate, UpgradeBurst and
// Methods are server-wide and count only in the server's Config.
type Config struct {
	// ReadLimit is the largest message accepted from a peer, in bytes; a
	// larger one closes the connection with 1009. Default 1 MiB.
	ReadLimit int64
	// HeartbeatInterval is how often the server pings an idle peer, and
	// HeartbeatTimeout how long it waits for the pong before it declares
	// the peer dead and releases the connection. Defaults 25 s and 60 s;
	// a negative interval disables heartbeats.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// WriteTimeout bounds one write of queued frames and the final flush
	// before a close (a peer that does not read for that long is dropped),
	// and how long Send waits for room in a full queue. Default 10 s.
	WriteTimeout time.Duration
	// WriteDelay is how long a queued frame waits for others to join it
	// in one write, a latency traded for fewer system calls when a
	// connection gets many messages in quick succession (a busy room:
	// give it to that method in Methods). Every frame waits, the answer
	// to a request included; a close waits at most this long behind it.
	// Default none: frames are written at once.
	WriteDelay time.Duration
	// SendQueue is the number of frames that may wait for the writer of
	// one connection. When it is full, Send waits for room (up to
	// WriteTimeout) and SendRaw does not; SlowConsumer says what happens
	// then. Defaults 256 and Disconnect.
	SendQueue    int
	SlowConsumer Policy
	// Origins are the host patterns, besides the request's own host, whose
	// pages may open a connection ("app.example.com",
	// "https://*.example.com"; path.Match syntax, as coder/websocket's
	// AcceptOptions.OriginPatterns). Default none: same-origin pages and
	// non-browser clients (no Origin header) only.
	Origins []string
	// CompressionThreshold enables permessage-deflate, without context
	// takeover, for clients that ask for it; frames smaller than the
	// threshold are sent uncompressed. Default off.
	CompressionThreshold int
	// Subprotocols are the Sec-WebSocket-Protocol values the server
	// accepts, in order of preference; Conn.Subprotocol tells which one
	// was chosen ("" when the client asked for none of them).
	Subprotocols []string
	// MaxConnections caps the connections of the server (HTTP 503 past it)
	// and MaxConnectionsPerIP those of one client address, the request's
	// RemoteAddr (HTTP 429). Default unlimited.
	MaxConnections, MaxConnectionsPerIP int
	// UpgradeRate caps new connections per second across the server with a
	// token bucket of UpgradeBurst (HTTP 429 past it). Default unlimited.
	UpgradeRate  float64
	UpgradeBurst int
	// UpgradeHeaderLimit caps the size of an upgrade request's headers
	// (request line and header fields, as sent), which net/http lets
	// reach 1 MB: a larger one gets HTTP 431. Default 16 KiB. An upgraded
	// connection keeps only the headers listed in Conn.Request.
	UpgradeHeaderLimit int
	// MessageRate caps the messages one connection may send, per second on
	// average with bursts of MessageBurst; SubjectMessageRate and
	// SubjectMessageBurst do the same for all the connections of one
	// authenticated subject (see security.Authenticated) on the method. A
	// connection past either is closed with StatusRateLimited (4029: the
	// client reconnects with backoff). Every data frame counts, a
	// resumable stream's acknowledgements included. Default unlimited.
	MessageRate, SubjectMessageRate   float64
	MessageBurst, SubjectMessageBurst int
	// Logger receives connection events: connect and close (debug level,
	// with code, reason and duration), handler errors (warn) and panics
	// (error, with the stack); query strings and headers are never
	// logged. Default slog.Default().
	Logger *slog.Logger
	// Metrics receives connection metrics (see NewMetrics). Default none.
	Metrics *Metrics
	// Methods tunes the streams of one method, named "service.method" as
	// in its Endpoint, over what the design gave it: a deployment can
	// change a method without changing the design.
	Methods map[string]Config
}

// Policy says what SendRaw does when a connection's send queue is full, and
// what Send does when the queue stayed full for the write timeout.
type Policy int

const (
	// Disconnect closes the connection with StatusSlowConsumer (4000): the
	// client reconnects and catches up instead of falling further behind.
	Disconnect Policy = iota + 1
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

// DefaultConfig returns the defaults a Server fills the zero fields of its
// Config with: the one place they are written (the design's defaults, in
// package expr, and the client's are the same values).
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

// overlay sets every field of dst that src sets (a non-zero one).
func overlay(dst *Config, src Config) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src)
	for i := range s.NumField() {
		if f := s.Field(i); !f.IsZero() {
			d.Field(i).Set(f)
		}
	}
}
