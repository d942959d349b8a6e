package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"duplex.dev/ws"
)

// ServerStream is the server side of one WebSocket stream as generated
// stream types use it: typed Recv and RecvValue, Send, Close and the view
// of result streams.
type ServerStream struct {
	conn *ws.Conn

	mu   sync.Mutex
	view string
}

// ServeStream serves one stream request: wsrv.Handle runs h with a
// ServerStream (the upgrade happens on the first Send or Recv), and an
// error h returns before the upgrade — failed authorization, an invalid
// parameter — is answered as HTTP with WriteError and statuses, as a unary
// method's would be. Errors after the upgrade are close frames (see
// ws.Conn.Fail); a design error with a 4xx status (one an interceptor or
// the method returns mid-stream) is closed with the code the resumable
// streams use for it and its message as the reason, not as an internal
// error.
func ServeStream(w http.ResponseWriter, r *http.Request, wsrv *ws.Server, ep *ws.Endpoint, statuses Statuses,
	h func(ctx context.Context, s *ServerStream) error) {
	err := wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
		err := h(ctx, &ServerStream{conn: c})
		if c.Upgraded() {
			return closeErrorFor(err, statuses)
		}
		return err
	})
	if err != nil {
		refuse(w, r, wsrv, ep, err, statuses)
	}
}

// refuse answers a stream request that h refused before the upgrade as
// HTTP, and has the server log and count the refusal.
func refuse(w http.ResponseWriter, r *http.Request, wsrv *ws.Server, ep *ws.Endpoint, err error, statuses Statuses) {
	status, _, _ := statuses.Resolve(err)
	wsrv.Refused(r, ep, status)
	WriteError(w, err, statuses)
}

// Send encodes v as one JSON text frame and queues it. When the client reads
// more slowly than the handler produces, Send waits for room in the send
// queue (back-pressure) until ctx ends or the write timeout passes; see
// ws.Conn.Send.
func (s *ServerStream) Send(ctx context.Context, v any) error { return s.conn.Send(ctx, v) }

// Close sends the queued frames, then closes the stream with 1000.
func (s *ServerStream) Close() error { return s.conn.Close(ws.StatusNormalClosure, "") }

// View returns the view set with SetView, or def when none was set.
func (s *ServerStream) View(def string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == "" {
		return def
	}
	return s.view
}

// SetView sets the view results are rendered with from now on. Called
// before the upgrade (the first Send), it also names the view in the
// upgrade response's goa-view header, as Goa's server does: a Goa client
// validates the results against that view.
func (s *ServerStream) SetView(view string) {
	s.mu.Lock()
	s.view = view
	s.mu.Unlock()
	s.conn.SetUpgradeHeader(ViewHeader, view)
}

// ViewHeader is the header of the upgrade response that names the view
// of a stream's results (Goa's name).
const ViewHeader = "goa-view"

// Conn returns the underlying connection, for its ID, Subprotocol,
// Request or SendRaw.
func (s *ServerStream) Conn() *ws.Conn { return s.conn }

// Recv reads the next message of a client stream into a new T (a struct
// payload) and validates it with validate, which may be nil. It returns
// io.EOF when the client sent JSON null or closed with 1000. Malformed
// JSON closes the stream with 1007 (see ws.Conn.Receive); a validation
// error closes it with 1007 and the error's text, which names the
// attribute, and is returned marked with ws.Invalid.
//
// T's UnmarshalJSON, when it has one, must reject any input that is not
// valid JSON, as the generated ones do (they decode with json.Unmarshal):
// Recv hands it the frame without validating it first (see
// ws.StrictUnmarshaler), which halves the decoding work of a message.
func Recv[T any](ctx context.Context, s *ServerStream, validate func(*T) error) (*T, error) {
	v := new(T)
	var dst any = v
	if u, ok := dst.(json.Unmarshaler); ok {
		dst = strict{u}
	}
	if err := s.conn.Receive(ctx, dst); err != nil {
		return nil, err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			err = ws.Invalid(err)
			s.conn.Fail(err)
			return nil, err
		}
	}
	return v, nil
}

// strict is a generated type's UnmarshalJSON, marked as one that rejects
// invalid JSON itself.
type strict struct{ json.Unmarshaler }

// StrictJSON implements ws.StrictUnmarshaler.
func (strict) StrictJSON() {}

// RecvValue is Recv for scalar, array and map payloads.
func RecvValue[T any](ctx context.Context, s *ServerStream, validate func(T) error) (T, error) {
	var v T
	if err := s.conn.Receive(ctx, &v); err != nil {
		var zero T
		return zero, err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			err = ws.Invalid(err)
			s.conn.Fail(err)
			var zero T
			return zero, err
		}
	}
	return v, nil
}
