// Package multiplex is what package transport and package duplex.dev/mux
// share, so that the streams of a multiplexed connection (docs/protocol.md,
// section 4) need nothing of transport's surface: the carrier a mux
// connection hands to a method's handler on the server, and what a
// client's HTTP transport implements to open streams on one connection.
package multiplex

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"duplex.dev/ws"
)

// Carrier moves the frames of one stream (transport.Carrier is this
// interface): a per-call WebSocket, a resumable session, an event stream,
// or a stream of a multiplexed connection, on either side.
type Carrier interface {
	// Send encodes v as one JSON document and queues it for the peer,
	// waiting for room (back-pressure) until ctx ends. Send(ctx, nil) sends
	// JSON null.
	Send(ctx context.Context, v any) error
	// ReceiveRaw returns the peer's next JSON document, undecoded; io.EOF
	// once the peer ended its side normally, the carrier's end (a
	// *ws.CloseError, ctx's error) otherwise.
	ReceiveRaw(ctx context.Context) ([]byte, error)
	// CloseSend ends this side's messages and keeps receiving: a client's
	// JSON null (or the resumable wire's end). On a server it does nothing:
	// the server's end is Close.
	CloseSend(ctx context.Context) error
	// Close ends the stream with code and reason (ws.StatusNormalClosure
	// and "" for a normal end), after the frames already queued.
	Close(code ws.StatusCode, reason string) error
	// Fail ends the stream because of err: before a server's upgrade it is
	// answered as HTTP; after it, with the close code err carries (see
	// ws.Conn.Fail). The *ws.CloseError ws.Decode returns for a bad frame
	// drops what is still queued.
	Fail(err error)
	// Context ends when the carrier does: the peer left, its heartbeat
	// timed out, the stream was closed (context.Background on a client,
	// whose end ReceiveRaw reports).
	Context() context.Context
	// Request returns the request that opened the stream: the peer's
	// address, headers and credentials. Nil on a client.
	Request() *http.Request
}

// Stream is a stream opened on a multiplexed connection, on the server:
// the mux server routes its request to the method's handler with the
// Stream in the request's context (With), and transport.Stream serves the
// method on it instead of upgrading the request.
type Stream interface {
	Carrier
	// Serve runs h, the method's handler, on the stream, with the
	// endpoint's settings car (its send queue, slow-consumer policy, read
	// limit, write timeout, metrics and logger), as ws.Server.Handle does
	// on a socket: an error h returns before its first use of the stream
	// is returned, for the caller to answer as HTTP; after it, the stream
	// ends with the close code the error carries, and Serve returns nil.
	Serve(car *ws.Carrier, h func(ctx context.Context) error) error
	// Started reports whether the handler used the stream: its errors are
	// close codes from then on, no longer HTTP answers.
	Started() bool
}

type key struct{}

// With returns r carrying s.
func With(r *http.Request, s Stream) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), key{}, s))
}

// From returns the stream r carries, nil when r is a request of its own.
func From(r *http.Request) Stream {
	s, _ := r.Context().Value(key{}).(Stream)
	return s
}

// Opener opens client streams on a multiplexed connection: the stream of
// the method at path, with its query and headers as the upgrade request
// would carry them. A duplex.dev/mux Client is one; set as the Transport
// of a generated client's HTTP client, it carries the client's streams
// (transport.Dial) as well as its unary calls.
type Opener interface {
	Open(ctx context.Context, path string, q url.Values, h http.Header) (Carrier, error)
}

// ErrNotOffered is the error (in the chain) an Opener returns when the
// server does not offer multiplexed connections (a Goa server, a Duplex
// server without them): the stream then gets a socket of its own.
var ErrNotOffered = errors.New("the server does not offer multiplexed connections (duplex.mux.v1)")
