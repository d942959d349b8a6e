package transport

import (
	"context"
	"net/http"
	"strings"

	duplex "duplex.dev"
	"duplex.dev/internal/multiplex"
	"duplex.dev/sse"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// EventStreams serves the Server-Sent Events side of the SSEFallback
// methods (an alias of sse.Server, so that generated code needs not import
// duplex.dev/sse); its Shutdown ends every event stream.
type EventStreams = sse.Server

// NewEventStreams returns the event streams of a server whose settings
// (queues, slow-consumer policy, heartbeat, metrics) come from wsrv.
func NewEventStreams(wsrv *ws.Server) *EventStreams { return sse.NewServer(wsrv) }

// isUpgrade reports whether r asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), "websocket") {
				return true
			}
		}
	}
	return false
}

// StreamOrEvents is Stream for a server→client method the design also
// serves as Server-Sent Events (SSEFallback), on the same path: a request
// that accepts text/event-stream (sse.Accepts) is served by ssrv, the
// stream's carrier then being its *sse.Stream; any other request as
// Stream serves it. The method, its payload, errors, views and the
// ServerStream it is given are the same on both carriers. With mgr (a
// Resumable() method) the event stream is resumable too: every event has
// an id, and a request with Last-Event-ID gets the events after it.
//
// With spec.SSEEvent (Goa's ServerSentEvents) every request that is not a
// WebSocket upgrade is served as events, on Goa's wire (sse.Server's
// HandleGoa), as Goa's clients send no Accept header.
func StreamOrEvents[P, S, R any](wsrv *ws.Server, mgr *resume.Manager, ssrv *sse.Server, spec *StreamSpec[S, R], endpoint duplex.Endpoint,
	decode func(*http.Request) (P, error), input func(P, *ServerStream[S, R]) any) http.Handler {
	socket := Stream(wsrv, mgr, spec, endpoint, decode, input)
	goa := spec.SSEEvent != nil
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if multiplex.From(r) != nil || goa && isUpgrade(r) || !goa && !sse.Accepts(r) {
			socket.ServeHTTP(w, r)
			return
		}
		payload, ok := decodePayload(w, r, decode, spec.Statuses)
		if !ok {
			return
		}
		handle := func(h func(context.Context, *sse.Stream) error) error {
			if goa {
				return ssrv.HandleGoa(w, r, spec.Endpoint, h)
			}
			return ssrv.Handle(w, r, spec.Endpoint, mgr != nil, resumeSubject(payload), h)
		}
		err := handle(func(ctx context.Context, st *sse.Stream) error {
			_, err := endpoint(ctx, input(payload, &ServerStream[S, R]{c: st, spec: spec}))
			if !st.Started() {
				return err // before the first event: answered as HTTP
			}
			return closeErrorFor(err, spec.Statuses)
		})
		if err != nil {
			status, _, _ := spec.Statuses.Resolve(err)
			ssrv.Refused(r, spec.Endpoint, status)
			writeError(w, err, spec.Statuses)
		}
	})
}
