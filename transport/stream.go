package transport

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"

	duplex "duplex.dev"
	"duplex.dev/sse"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// The typed stream generated code hands to services and clients: one
// generic type per side, whatever carries it (see Carrier). S is the type
// this side sends, R the type it receives, as the generated Goa-shaped
// interfaces use them (*chat.Event, int); a direction a method does not
// stream is any.

// StreamSpec is what a streaming method's design says about its messages.
type StreamSpec[S, R any] struct {
	// Endpoint is the method's WebSocket endpoint and its options.
	Endpoint *ws.Endpoint
	// Statuses maps the method's errors to HTTP statuses (before the
	// upgrade) and, on the resumable wire, to close codes (after it).
	Statuses Statuses
	// Validate checks each received message; nil when the design has no
	// validation. A message it refuses ends the stream with 1007 and its
	// text, which names the attribute.
	Validate func(R) error
	// View projects a sent result with the view SetView chose, DefaultView
	// when none; nil sends results as they are.
	View        func(v S, view string) any
	DefaultView string
	// SSEEvent makes the method Goa's ServerSentEvents: a request that is
	// not a WebSocket upgrade is served as Server-Sent Events on Goa's
	// wire (StreamOrEvents), each result sent being the event it returns.
	SSEEvent func(v S) SSEEvent
}

// ServerStream is the server side of one stream. It implements the
// generated server stream interfaces (Send, Recv, SendAndClose, Close,
// SetView and their …WithContext twins).
type ServerStream[S, R any] struct {
	c    Carrier
	spec *StreamSpec[S, R]

	mu   sync.Mutex
	view string
}

// Send sends one result; see SendWithContext.
func (s *ServerStream[S, R]) Send(v S) error { return s.SendWithContext(context.Background(), v) }

// SendWithContext encodes v (projected with the stream's view) as one
// JSON frame and queues it. When the client reads more slowly than the
// handler produces, it waits for room until ctx ends or the write timeout
// passes (see ws.Conn.Send).
func (s *ServerStream[S, R]) SendWithContext(ctx context.Context, v S) error {
	if es, ok := s.c.(*sse.Stream); ok && s.spec.SSEEvent != nil {
		return sendGoaEvent(ctx, es, s.spec, v, s.View())
	}
	if s.spec.View != nil {
		return s.c.Send(ctx, s.spec.View(v, s.View()))
	}
	return s.c.Send(ctx, v)
}

// Recv returns the client's next message; see RecvWithContext.
func (s *ServerStream[S, R]) Recv() (R, error) { return s.RecvWithContext(context.Background()) }

// RecvWithContext returns the client's next message, decoded with
// ws.Decode and validated; io.EOF once the client ended its stream (JSON
// null or close 1000). A bad frame or a failed validation ends the stream
// with 1007 (1003, 1009 … for what ws.Decode refuses), and that error is
// returned.
func (s *ServerStream[S, R]) RecvWithContext(ctx context.Context) (R, error) {
	return receive(ctx, s.c, s.spec.Validate)
}

// SendAndClose sends the result of a client stream and ends the stream.
func (s *ServerStream[S, R]) SendAndClose(v S) error {
	return s.SendAndCloseWithContext(context.Background(), v)
}

// SendAndCloseWithContext is SendAndClose that gives up when ctx ends.
func (s *ServerStream[S, R]) SendAndCloseWithContext(ctx context.Context, v S) error {
	if err := s.SendWithContext(ctx, v); err != nil {
		return err
	}
	return s.Close()
}

// Close ends the stream: close 1000 once the queued messages are written.
func (s *ServerStream[S, R]) Close() error { return s.c.Close(ws.StatusNormalClosure, "") }

// SetView sets the view results are projected with from now on. Called
// before the first Send, it also names the view in the upgrade response's
// goa-view header, as Goa's server does: a Goa client validates the
// results against that view.
func (s *ServerStream[S, R]) SetView(view string) {
	s.mu.Lock()
	s.view = view
	s.mu.Unlock()
	if c := s.upgradeConn(); c != nil {
		c.SetUpgradeHeader(viewHeader, view)
	} else if st := s.Events(); st != nil {
		st.SetHeader(viewHeader, view)
	}
}

// View returns the view results are projected with.
func (s *ServerStream[S, R]) View() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == "" {
		return s.spec.DefaultView
	}
	return s.view
}

// viewHeader is the header of the upgrade response that names the view
// of a stream's results (Goa's name).
const viewHeader = "goa-view"

// Carrier returns what carries the stream.
func (s *ServerStream[S, R]) Carrier() Carrier { return s.c }

// Conn returns the WebSocket connection of a default-wire stream, for
// fan-out that writes pre-encoded frames (hub.Member: ID and SendRaw);
// nil when another carrier (a resumable session) carries it.
func (s *ServerStream[S, R]) Conn() *ws.Conn {
	if c, ok := s.c.(serverConn); ok {
		return c.Conn
	}
	return nil
}

// Session opens and returns the duplex.v1 session of a resumable stream
// (see resume.Session's Start), for fan-out that writes pre-encoded frames
// into its replay buffer; nil on the default wire, and when this request
// resumed a session another handler serves (the handler should then
// return).
func (s *ServerStream[S, R]) Session() *resume.Session {
	c, ok := s.c.(sessionCarrier)
	if !ok {
		return nil
	}
	c.started.Store(true)
	if c.sess.Start() != nil {
		return nil
	}
	return c.sess
}

// Events returns the event stream of a stream read as Server-Sent Events
// (StreamOrEvents), for fan-out that writes pre-encoded frames (its Start,
// ID, SendRaw and SendFrame); nil on a WebSocket.
func (s *ServerStream[S, R]) Events() *sse.Stream {
	st, _ := s.c.(*sse.Stream)
	return st
}

// upgradeConn returns the connection whose upgrade response the stream's
// headers go in.
func (s *ServerStream[S, R]) upgradeConn() *ws.Conn {
	switch c := s.c.(type) {
	case serverConn:
		return c.Conn
	case sessionCarrier:
		return c.conn
	}
	return nil
}

// ClientStream is the client side of one stream. It implements the
// generated client stream interfaces (Send, Recv, CloseAndRecv, Close and
// their …WithContext twins).
type ClientStream[S, R any] struct {
	c Carrier
}

// Send sends one message; see SendWithContext.
func (s *ClientStream[S, R]) Send(v S) error { return s.SendWithContext(context.Background(), v) }

// SendWithContext encodes v as one JSON frame and queues it, waiting for
// room in the send queue until ctx ends.
func (s *ClientStream[S, R]) SendWithContext(ctx context.Context, v S) error {
	return s.c.Send(ctx, v)
}

// Recv returns the server's next result; see RecvWithContext.
func (s *ClientStream[S, R]) Recv() (R, error) { return s.RecvWithContext(context.Background()) }

// RecvWithContext returns the server's next result, decoded with
// ws.Decode; io.EOF once the server ended the stream with close 1000, a
// *ws.CloseError for any other close.
func (s *ClientStream[S, R]) RecvWithContext(ctx context.Context) (R, error) {
	return receive[R](ctx, s.c, nil)
}

// CloseSend ends the client's side of the stream (a JSON null frame) and
// keeps receiving.
func (s *ClientStream[S, R]) CloseSend(ctx context.Context) error { return s.c.CloseSend(ctx) }

// CloseAndRecv ends the client's side of the stream, returns the server's
// result and closes the stream; io.EOF when the server closed with 1000
// without a result.
func (s *ClientStream[S, R]) CloseAndRecv() (R, error) {
	return s.CloseAndRecvWithContext(context.Background())
}

// CloseAndRecvWithContext is CloseAndRecv that gives up when ctx ends.
func (s *ClientStream[S, R]) CloseAndRecvWithContext(ctx context.Context) (R, error) {
	defer s.c.Close(ws.StatusNormalClosure, "")
	if err := s.c.CloseSend(ctx); err != nil {
		var zero R
		return zero, err
	}
	return s.RecvWithContext(ctx)
}

// Close ends the stream and releases its connection: on the default wire
// the way Goa clients do (a JSON null unless CloseSend sent it, then close
// 1000); a resumable stream the server has not ended is abandoned (see
// resume.Stream.Close). Calling it on a stream the server already ended,
// or twice, is harmless.
func (s *ClientStream[S, R]) Close() error { return s.c.Close(ws.StatusNormalClosure, "") }

// Carrier returns what carries the stream.
func (s *ClientStream[S, R]) Carrier() Carrier { return s.c }

// receive reads the next message from c: the one codec path of every
// stream kind. A frame ws.Decode refuses, or a message validate refuses,
// ends the stream (Fail), and that error is returned.
func receive[R any](ctx context.Context, c Carrier, validate func(R) error) (R, error) {
	var zero R
	frame, err := c.ReceiveRaw(ctx)
	if err != nil {
		return zero, err
	}
	v, err := decodeMessage[R](frame)
	if err != nil {
		c.Fail(err)
		return zero, err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			err = &duplex.Error{Code: duplex.CodeInvalid, Err: err}
			c.Fail(err)
			return zero, err
		}
	}
	return v, nil
}

// decodeMessage decodes frame into a new R with ws.Decode: for a pointer
// type (*T, a struct of the design), into a new T, handed to its
// generated UnmarshalJSON as a ws.StrictUnmarshaler (it rejects any input
// that is not valid JSON itself, which halves the decoding work of a
// message); for a value type, into the R itself. The T is the only
// allocation of its own.
func decodeMessage[R any](frame []byte) (R, error) {
	if t := reflect.TypeFor[R](); t.Kind() == reflect.Pointer {
		v := reflect.New(t.Elem()).Interface().(R)
		var dst any = v
		if _, ok := dst.(json.Unmarshaler); ok {
			dst = strict[R]{v}
		}
		if err := ws.Decode(frame, dst); err != nil {
			var zero R
			return zero, err
		}
		return v, nil
	}
	v := new(R)
	if err := ws.Decode(frame, v); err != nil {
		var zero R
		return zero, err
	}
	return *v, nil
}

// strict is a generated type's UnmarshalJSON, marked as one that rejects
// invalid JSON itself. R is a pointer type, so a strict is stored in an
// interface as is, without an allocation.
type strict[R any] struct{ v R }

// UnmarshalJSON implements json.Unmarshaler with R's.
func (s strict[R]) UnmarshalJSON(b []byte) error {
	return any(s.v).(json.Unmarshaler).UnmarshalJSON(b)
}

// StrictJSON implements ws.StrictUnmarshaler.
func (strict[R]) StrictJSON() {}
