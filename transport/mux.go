package transport

import (
	"context"

	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
)

// serveMultiplexed serves a method's stream on ms, a stream of a
// multiplexed connection (package duplex.dev/mux): run with the stream's
// errors after its start turned into close codes.
func serveMultiplexed[S, R any](ms multiplex.Stream, wsrv *ws.Server, spec *StreamSpec[S, R], run func(context.Context, Carrier) error) error {
	return ms.Serve(wsrv.Carrier(spec.Endpoint), func(ctx context.Context) error {
		err := run(ctx, ms)
		if !ms.Started() {
			return err // before the start: answered as HTTP
		}
		return closeErrorFor(err, spec.Statuses)
	})
}
