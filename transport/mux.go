package transport

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"duplex.dev/ws"
)

// Multiplexed is a stream opened on a multiplexed connection (package
// duplex.dev/mux, docs/protocol.md section 4): the carrier of one method
// stream among many on one WebSocket. The multiplexed server hands it to
// the method's handler in the request's context (WithMultiplexed); Stream
// then serves the method on it instead of upgrading the request.
type Multiplexed interface {
	Carrier
	// Serve runs h, the method's handler, on the stream, with the
	// endpoint's settings car (its send queue, slow-consumer policy, read
	// limit, write timeout, metrics and logger), as ws.Server.Handle does
	// on a socket: an error h returns before its first use of the stream
	// is returned, for the caller to answer as HTTP; after it, the stream
	// ends with the close code the error carries, and Serve returns nil.
	Serve(car *ws.Carrier, h func(ctx context.Context, c Carrier) error) error
	// Started reports whether the handler used the stream: its errors are
	// close codes from then on, no longer HTTP answers.
	Started() bool
}

type multiplexedKey struct{}

// WithMultiplexed returns r carrying s: a request a multiplexed
// connection routes to a method's handler, which serves the method on s.
func WithMultiplexed(r *http.Request, s Multiplexed) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), multiplexedKey{}, s))
}

// multiplexed returns the stream r carries (WithMultiplexed), nil when r
// is a request of its own.
func multiplexed(r *http.Request) Multiplexed {
	s, _ := r.Context().Value(multiplexedKey{}).(Multiplexed)
	return s
}

// serveMultiplexed serves a method's stream on ms: run with the stream's
// errors after its start turned into close codes.
func serveMultiplexed[S, R any](ms Multiplexed, wsrv *ws.Server, spec *StreamSpec[S, R], run func(context.Context, Carrier) error) error {
	return ms.Serve(wsrv.Carrier(spec.Endpoint), func(ctx context.Context, c Carrier) error {
		err := run(ctx, c)
		if !ms.Started() {
			return err // before the start: answered as HTTP
		}
		return closeErrorFor(err, spec.Statuses)
	})
}

// Opener opens client streams on a multiplexed connection (package
// duplex.dev/mux's Client): the stream of the method at path, with its
// query and headers, as the upgrade request would carry them. Open returns
// an error wrapping ErrNotMultiplexed when the server does not offer
// multiplexed connections; Dial then opens a socket of the stream's own.
type Opener interface {
	Open(ctx context.Context, path string, q url.Values, h http.Header) (Carrier, error)
}

// ErrNotMultiplexed is the error an Opener returns when the server does
// not offer multiplexed connections (a Goa server, a Duplex server without
// them).
var ErrNotMultiplexed = errors.New("the server does not offer multiplexed connections (duplex.mux.v1)")
