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

// Carrier has the methods of transport.Carrier (which see): a stream of a
// multiplexed connection, on either side.
type Carrier interface {
	Send(ctx context.Context, v any) error
	ReceiveRaw(ctx context.Context) ([]byte, error)
	CloseSend(ctx context.Context) error
	Close(code ws.StatusCode, reason string) error
	Fail(err error)
	Context() context.Context
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
