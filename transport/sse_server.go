package transport

import (
	"context"
	"net/http"
	"sync"

	"duplex.dev/sse"
	"duplex.dev/ws"
)

// EventStream is the server side of a server→client stream carried as
// Server-Sent Events: the same Send, Close and views as ServerStream.
type EventStream struct {
	s *sse.Stream

	mu   sync.Mutex
	view string
}

// EventStreamOr returns a handler that serves requests asking for an event
// stream (Accept: text/event-stream, see sse.Accepts) with events and the
// others with h: a method's WebSocket and Server-Sent Events fallback on
// one path.
func EventStreamOr(events, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sse.Accepts(r) {
			events.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ServeEventStream serves one event-stream request with h, as ServeStream
// serves a WebSocket one: an error h returns before its first Send or
// Close is answered as HTTP with WriteError and statuses; later errors end
// the stream with the end event a WebSocket close would carry (401 and 403
// as 4501, other 4xx as 1008). On a resumable method the stream is a
// session bound to subject (see ResumeSubject and sse.Server.Handle).
func ServeEventStream(w http.ResponseWriter, r *http.Request, srv *sse.Server, ep *ws.Endpoint, resumable bool, subject string,
	statuses Statuses, h func(ctx context.Context, s *EventStream) error) {
	err := srv.Handle(w, r, ep, resumable, subject, func(ctx context.Context, st *sse.Stream) error {
		err := h(ctx, &EventStream{s: st})
		if !st.Started() {
			return err
		}
		return closeErrorFor(err, statuses)
	})
	if err != nil {
		status, _, _ := statuses.Resolve(err)
		srv.Refused(r, ep, status)
		WriteError(w, err, statuses)
	}
}

// Send encodes v as the data of the next event, with back-pressure (see
// sse.Stream.Send).
func (s *EventStream) Send(ctx context.Context, v any) error { return s.s.Send(ctx, v) }

// Close ends the stream normally: the end event 1000 follows the queued
// events.
func (s *EventStream) Close() error { return s.s.Close() }

// View returns the view set with SetView, or def when none was set.
func (s *EventStream) View(def string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == "" {
		return def
	}
	return s.view
}

// SetView sets the view results are rendered with from now on; called
// before the first Send it also names it in the goa-view response header.
func (s *EventStream) SetView(view string) {
	s.mu.Lock()
	s.view = view
	s.mu.Unlock()
	s.s.SetHeader(ViewHeader, view)
}

// Events returns the event stream, for fan-out that sends pre-encoded
// frames (hub.Member: ID and SendRaw).
func (s *EventStream) Events() *sse.Stream { return s.s }
