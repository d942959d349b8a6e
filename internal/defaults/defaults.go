package defaults

import "time"

// A stream's limits and timings, on both sides unless noted.
const (
	// ReadLimit is the largest message accepted, in bytes; a larger one
	// closes the connection with 1009.
	ReadLimit int64 = 1 << 20
	// HeartbeatInterval is how often an idle peer is pinged, and
	// HeartbeatTimeout how long a peer may stay silent before it is
	// declared dead.
	HeartbeatInterval = 25 * time.Second
	HeartbeatTimeout  = 60 * time.Second
	// WriteTimeout bounds one write of the server's queued frames.
	WriteTimeout = 10 * time.Second
	// SendQueue is the number of frames that may wait for a connection's
	// writer: the server's per connection, and the client's.
	SendQueue = 256
	// ReceiveQueue is the number of frames a client reads ahead of
	// Receive.
	ReceiveQueue = 16
	// CloseFlushTimeout bounds how long a client's Close waits for its
	// queued frames to be written.
	CloseFlushTimeout = 5 * time.Second
	// UpgradeHeaderLimit caps the size of an upgrade request's headers, in
	// bytes (server).
	UpgradeHeaderLimit = 16 << 10
	// CompressionThreshold is the smallest frame the server compresses
	// once compression is on without a threshold of its own.
	CompressionThreshold = 512
	// MaxDepth is the deepest nesting of arrays and objects accepted in a
	// message (a frame, a unary request or response body), on both sides:
	// a deeper one is refused before it is decoded (1007 on a stream, 400
	// for a request). A generated UnmarshalJSON decodes its own value
	// again at each level, so a decode costs up to depth × size; the limit
	// keeps that a small multiple of the size.
	MaxDepth = 64
)

// The resumable wire (ws/resume): the server's sessions and both sides'
// replay buffers and acknowledgements.
const (
	// Grace is how long a session outlives its connection.
	Grace = 30 * time.Second
	// MaxSessions bounds a server's sessions, MaxSessionsPerIP those of one
	// client address and MaxSessionsPerSubject those of one subject.
	MaxSessions           = 10000
	MaxSessionsPerIP      = 1000
	MaxSessionsPerSubject = 100
	// ReplayMessages and ReplayBytes bound a side's buffer of sent,
	// unacknowledged messages.
	ReplayMessages = 1024
	ReplayBytes    = 1 << 20
	// AckEvery and AckDelay batch acknowledgements: one after AckEvery
	// messages, or AckDelay after the first unacknowledged one.
	AckEvery = 32
	AckDelay = 200 * time.Millisecond
	// HandshakeTimeout bounds the resumable handshake: the server's wait
	// for a connection's first frame, and the client's for the answer.
	HandshakeTimeout = 10 * time.Second
)

// A client's reconnection backoff (ws.DefaultRetryPolicy): full jitter
// below a cap that starts at RetryInitial and grows by RetryMultiplier up
// to RetryMax.
const (
	RetryInitial    = 250 * time.Millisecond
	RetryMax        = 30 * time.Second
	RetryMultiplier = 2
)
