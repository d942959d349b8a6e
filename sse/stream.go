package sse

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// Stream is what the handler of an event-stream request sends with: to
// its Conn, or, on a resumable method, into its session (whose events
// outlive connections). Send and SendRaw are safe from many goroutines.
type Stream struct {
	srv       *Server
	conn      *Conn
	car       *ws.Carrier
	resumable bool
	subject   string
	last      *eventID // the request's Last-Event-ID on a resumable method

	ctx    context.Context
	cancel context.CancelCauseFunc

	once     sync.Once
	started  chan struct{} // closed by the first use
	begun    atomic.Bool
	startErr error
	attached *session // the session the request's connection serves
	own      atomic.Pointer[session]
}

// Start begins the stream: the response's headers are written, or, on a
// resumable method, the request's session opened or resumed. Send,
// SendRaw, Close and Fail call it first. It returns resume.ErrResumed when
// the request resumed a session another handler serves (return from the
// handler then), or why the stream could not start.
func (st *Stream) Start() error {
	st.once.Do(func() {
		defer close(st.started)
		defer st.begun.Store(true)
		if !st.resumable {
			return
		}
		if st.last != nil {
			st.attached, st.startErr = st.srv.resume(st)
			if st.startErr == nil {
				st.startErr = resume.ErrResumed
			}
			return
		}
		st.attached, st.startErr = st.srv.open(st)
		if st.startErr == nil {
			st.own.Store(st.attached)
		}
	})
	return st.startErr
}

func (st *Stream) isStarted() bool { return st.begun.Load() }

// session returns the session this stream's handler serves, nil when it
// serves none (a plain stream, a resume, a request refused).
func (st *Stream) session() *session { return st.own.Load() }

// Started reports whether the handler used the stream: its errors are no
// longer HTTP responses then.
func (st *Stream) Started() bool { return st.isStarted() }

// Context returns the handler's context: it ends with the connection, or
// with the session on a resumable method.
func (st *Stream) Context() context.Context { return st.ctx }

// ID identifies the stream for logs and rooms: its session's on a
// resumable method, else its connection's.
func (st *Stream) ID() string {
	if ss := st.session(); ss != nil {
		return st.conn.id + "-" + ss.token[:8]
	}
	return st.conn.id
}

// Conn returns the connection of the request that opened the stream.
func (st *Stream) Conn() *Conn { return st.conn }

// SetHeader sets a header of the response before the stream starts (Goa's
// goa-view); it reports false, and does nothing, afterwards.
func (st *Stream) SetHeader(name, value string) bool {
	if st.isStarted() {
		return false
	}
	st.conn.w.Header().Set(name, value)
	return true
}

// Send encodes v as JSON and sends it as the next event, with
// back-pressure as in Conn.Send.
func (st *Stream) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sse: encode: %w", err)
	}
	return st.send(ctx, b, true)
}

// SendRaw sends frame, one pre-encoded JSON document, as the next event
// without waiting (see Conn.SendRaw). On a resumable method it is kept for
// replay even when the connection's queue overflows: that connection
// ends, and the client resumes after the last event it got.
func (st *Stream) SendRaw(frame []byte) error {
	return st.send(context.Background(), frame, false)
}

// SendFrame is Send for a pre-encoded frame.
func (st *Stream) SendFrame(ctx context.Context, frame []byte) error {
	return st.send(ctx, frame, true)
}

// SendEvent sends ev as the next event, with back-pressure as in
// Conn.Send: Goa's wire (Server.HandleGoa).
func (st *Stream) SendEvent(ctx context.Context, ev Event) error {
	if err := st.Start(); err != nil {
		return err
	}
	return st.conn.enqueue(ctx, event{id: ev.ID, typ: ev.Type, retry: ev.Retry, data: ev.Data}, true)
}

func (st *Stream) send(ctx context.Context, frame []byte, wait bool) error {
	if err := st.Start(); err != nil {
		return err
	}
	if ss := st.session(); ss != nil {
		return ss.send(ctx, frame, wait)
	}
	return st.conn.enqueue(ctx, event{data: frame}, wait)
}

// Close ends the stream with code and reason: the client gets the end
// event (1000 and "" for a normal end) once the queued events are written.
func (st *Stream) Close(code ws.StatusCode, reason string) error {
	if err := st.Start(); err != nil {
		return err
	}
	if ss := st.session(); ss != nil {
		var err error
		if code != ws.StatusNormalClosure {
			err = &ws.CloseError{Code: code, Reason: reason}
		}
		ss.end(err)
		return nil
	}
	st.conn.closeWith(code, reason)
	return nil
}

// ReceiveRaw returns io.EOF: the client sends nothing on an event stream.
// With CloseSend (which does nothing) it makes a Stream the carrier of a
// server→client stream (transport.Carrier).
func (*Stream) ReceiveRaw(context.Context) ([]byte, error) { return nil, io.EOF }

// CloseSend does nothing: a server ends its side with Close.
func (*Stream) CloseSend(context.Context) error { return nil }

// Request returns the request that opened the stream.
func (st *Stream) Request() *http.Request { return st.conn.r }

// Fail ends the stream because of err: the end event carries the code and
// reason a WebSocket close would (see ws.Conn.Fail).
func (st *Stream) Fail(err error) {
	if st.Start() != nil {
		return
	}
	code, reason := endStatus(err)
	if ss := st.session(); ss != nil {
		ss.end(&ws.CloseError{Code: code, Reason: reason})
		return
	}
	st.conn.closeWith(code, reason)
}
