package mux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"duplex.dev/internal/closereason"
	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
)

// stream is one method stream of a multiplexed connection on the server:
// the multiplex.Stream its method is served on (a transport.Carrier). Its state is
// guarded by its connection's mutex.
type stream struct {
	c      *conn
	id     uint64
	req    *http.Request
	ctx    context.Context
	cancel context.CancelCauseFunc

	// The method's settings, from Serve.
	car          *ws.Carrier
	queueSize    int
	policy       ws.Policy
	readLimit    int64
	writeTimeout time.Duration

	started bool
	counted bool // its end is counted in the method's metrics
	begun   time.Time
	preErr  error // Fail before the start: answered as HTTP

	// Sending: messages wait in out for the client's credit.
	out     [][]byte
	credit  int64         // msg frames the client accepts
	room    chan struct{} // closed when a message leaves out
	inTurn  bool          // in the writer's turn (conn.ready)
	ended   bool          // the end is decided
	endB    []byte        // the end frame, written after out
	endDone bool          // the end frame was written (or is not due)
	endErr  error         // what ReceiveRaw and Send return after the end
	code    ws.StatusCode // the code the stream ended with

	// Receiving: the client's messages, within the credit granted.
	in       [][]byte
	inEOF    bool          // the client's null: its side ended
	inWake   chan struct{} // a message, the null or the end arrived
	inCredit int64         // msg frames the client may still send
	window   int64         // the credit granted at the start
	consumed int64         // messages taken since the last grant
}

var _ multiplex.Stream = (*stream)(nil)

func newStream(c *conn, id uint64, credit int64) *stream {
	if credit == 0 {
		credit = DefaultCredit
	}
	ctx, cancel := context.WithCancelCause(c.ctx)
	return &stream{
		c: c, id: id, ctx: ctx, cancel: cancel, credit: credit, window: DefaultCredit,
		inWake: make(chan struct{}, 1), queueSize: ws.DefaultConfig().SendQueue,
		readLimit: ws.DefaultConfig().ReadLimit, writeTimeout: ws.DefaultConfig().WriteTimeout,
	}
}

// Serve implements multiplex.Stream: h runs with the method's
// settings, as ws.Server.Handle runs a socket's handler.
func (s *stream) Serve(car *ws.Carrier, h func(ctx context.Context) error) (err error) {
	cfg := car.Config()
	s.c.mu.Lock()
	s.car, s.queueSize, s.policy, s.readLimit, s.writeTimeout = car, cfg.SendQueue, cfg.SlowConsumer, cfg.ReadLimit, cfg.WriteTimeout
	s.c.mu.Unlock()
	func() {
		defer func() {
			if p := recover(); p != nil {
				car.Logger().Error("stream handler panicked", "panic", p, "stack", string(debug.Stack()))
				err = &ws.CloseError{Code: ws.StatusInternalError, Reason: "internal error"}
			}
		}()
		err = h(s.ctx)
	}()
	if !s.Started() {
		if err == nil {
			err = s.preErr
		}
		if err != nil {
			return err // answered as HTTP by the caller
		}
	}
	if err != nil {
		s.Fail(err)
	} else {
		_ = s.Close(ws.StatusNormalClosure, "")
	}
	return nil
}

// Started implements multiplex.Stream.
func (s *stream) Started() bool {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.started
}

// start sends the ok frame, once: the stream's upgrade.
func (s *stream) start() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.startLocked()
}

func (s *stream) startLocked() error {
	if s.started {
		return nil
	}
	if s.ended {
		return s.endErr
	}
	s.started, s.begun, s.inCredit = true, time.Now(), s.window
	s.c.pushLocked((&frame{T: kindOK, ID: s.id, Credit: s.window}).encode())
	if s.car != nil {
		s.car.Opened()
	}
	return nil
}

// Send implements transport.Carrier: v is queued for the client, which
// gets it once it has credit. When the method's send queue is full, Send
// waits for room up to the write timeout; then the slow-consumer policy
// applies (4000, or the oldest message dropped).
func (s *stream) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("mux: encode: %w", err)
	}
	return s.enqueue(ctx, b, true)
}

// SendFrame is Send for frame, one pre-encoded JSON document (a hub's
// fan-out, encoded once per room).
func (s *stream) SendFrame(ctx context.Context, frame []byte) error {
	return s.enqueue(ctx, frame, true)
}

// SendRaw queues frame, one pre-encoded JSON document, without waiting:
// when the send queue is full the slow-consumer policy applies at once,
// as ws.Conn.SendRaw does.
func (s *stream) SendRaw(frame []byte) error {
	return s.enqueue(context.Background(), frame, false)
}

// ID identifies the stream for logs and rooms: its connection's id and
// its own.
func (s *stream) ID() string { return s.c.ws.ID() + "." + strconv.FormatUint(s.id, 10) }

// enqueue queues the message b, waiting for room when wait.
func (s *stream) enqueue(ctx context.Context, b []byte, wait bool) error {
	f := msgFrame(s.id, b)
	var deadline <-chan time.Time
	s.c.mu.Lock()
	if err := s.startLocked(); err != nil {
		s.c.mu.Unlock()
		return err
	}
	for {
		if s.ended {
			err := s.endErr
			s.c.mu.Unlock()
			return err
		}
		if len(s.out) < s.queueSize {
			break
		}
		if s.policy == ws.DropOldest {
			s.out[0] = nil
			s.out = s.out[1:]
			s.car.Dropped()
			break
		}
		if !wait {
			n := len(s.out)
			s.endLocked(ws.StatusSlowConsumer, fmt.Sprintf("slow consumer: send queue full (%d messages)", n), true)
			s.c.mu.Unlock()
			return errSlowConsumer
		}
		if s.room == nil {
			s.room = make(chan struct{})
		}
		room := s.room
		s.c.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(s.writeTimeout)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-room:
		case <-deadline:
			s.c.mu.Lock()
			n := len(s.out)
			s.endLocked(ws.StatusSlowConsumer, fmt.Sprintf("slow consumer: send queue full (%d messages)", n), true)
			s.c.mu.Unlock()
			s.car.Logger().Info("mux stream slow consumer ended", "stream", s.id, "queue", n)
			return errSlowConsumer
		case <-ctx.Done():
			return fmt.Errorf("mux: send: waiting for room in the send queue: %w", ctx.Err())
		case <-s.ctx.Done():
		}
		s.c.mu.Lock()
	}
	s.out = append(s.out, f)
	s.c.scheduleLocked(s)
	s.c.mu.Unlock()
	s.car.Sent(len(b))
	return nil
}

var errSlowConsumer = errors.New("mux: slow consumer: send queue full")

// writable reports whether the writer has something of s to write; c.mu
// is held.
func (s *stream) writable() bool {
	return len(s.out) > 0 && s.credit > 0 || len(s.out) == 0 && s.endB != nil && !s.endDone
}

// nextLocked returns the next frame of s to write, and whether more
// remain: a message while s holds credit, then its end.
func (s *stream) nextLocked() ([]byte, bool) {
	switch {
	case len(s.out) > 0 && s.credit > 0:
		b := s.out[0]
		s.out[0] = nil
		s.out = s.out[1:]
		s.credit--
		if s.room != nil {
			close(s.room)
			s.room = nil
		}
		return b, s.writable()
	case len(s.out) == 0 && s.endB != nil && !s.endDone:
		s.endDone = true
		s.finishedLocked()
		return s.endB, false
	}
	return nil, false
}

// credited adds the client's grant of n messages.
func (s *stream) credited(n int64) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.endDone {
		return
	}
	if n < 1 || s.credit+n > maxCredit {
		s.endLocked(ws.StatusProtocolError, fmt.Sprintf("mux: credit %d leaves the stream outside 1 to %d messages", n, maxCredit), true)
		return
	}
	s.credit += n
	s.c.scheduleLocked(s)
}

// received takes one message of the client.
func (s *stream) received(data json.RawMessage) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	switch {
	case s.ended || s.inEOF:
		return // crossed the end, or after the client's own (ignored, as on a socket)
	case len(data) == 0:
		s.endLocked(ws.StatusProtocolError, "mux: msg frame without data", true)
		return
	case s.inCredit < 1:
		s.endLocked(ws.StatusProtocolError, "mux: message without credit", true)
		return
	}
	s.inCredit--
	if string(data) == "null" {
		s.inEOF = true
	} else {
		s.in = append(s.in, data)
	}
	s.wakeReceiver()
}

func (s *stream) wakeReceiver() { poke(s.inWake) }

// ReceiveRaw implements transport.Carrier: the client's next message, as
// a socket's ReceiveRaw returns it (io.EOF after its null or its end
// 1000).
func (s *stream) ReceiveRaw(ctx context.Context) ([]byte, error) {
	if err := s.start(); err != nil {
		return nil, err
	}
	for {
		s.c.mu.Lock()
		if len(s.in) > 0 {
			b := s.in[0]
			s.in[0] = nil
			s.in = s.in[1:]
			s.consumed++
			if s.consumed >= s.window/2 && !s.ended {
				s.inCredit += s.consumed
				s.c.pushLocked(creditFrame(s.id, s.consumed))
				s.consumed = 0
			}
			limit := s.readLimit
			s.c.mu.Unlock()
			if int64(len(b)) > limit {
				err := &ws.CloseError{Code: ws.StatusMessageTooBig, Reason: fmt.Sprintf("message too big: the limit is %d bytes", limit)}
				s.Fail(err)
				return nil, err
			}
			return b, nil
		}
		if s.inEOF {
			s.c.mu.Unlock()
			return nil, io.EOF
		}
		if s.ended {
			err := s.endErr
			s.c.mu.Unlock()
			return nil, err
		}
		s.c.mu.Unlock()
		select {
		case <-s.inWake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.ctx.Done():
		}
	}
}

// CloseSend implements transport.Carrier: a server ends its side with
// Close.
func (*stream) CloseSend(context.Context) error { return nil }

// Close implements transport.Carrier: the end frame follows the queued
// messages.
func (s *stream) Close(code ws.StatusCode, reason string) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if err := s.startLocked(); err != nil {
		return nil // already ended
	}
	s.endLocked(code, reason, false)
	return nil
}

// Fail implements transport.Carrier, as ws.Conn.Fail: before the start it
// records err (answered as HTTP); after it, the stream ends with the code
// err carries, dropping the queued messages when err answers bad input.
func (s *stream) Fail(err error) {
	if err == nil {
		err = errors.New("mux: Fail called with a nil error")
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if !s.started {
		if s.preErr == nil {
			s.preErr = err
		}
		s.cancel(err)
		return
	}
	code, reason := failStatus(err)
	if code == ws.StatusInternalError && !s.ended && s.ctx.Err() == nil && s.car != nil {
		s.car.Logger().Warn("stream handler failed", "stream", s.id, "error", err.Error())
	}
	drop := code == ws.StatusProtocolError || code == ws.StatusUnsupportedData || code == ws.StatusInvalidPayload || code == ws.StatusMessageTooBig
	s.endLocked(code, reason, drop)
}

// failStatus returns the close code and reason err ends a stream with, as
// on a socket (ws.Conn.Fail, closereason.Of).
func failStatus(err error) (ws.StatusCode, string) {
	if code, reason, ok := closereason.Of(err); ok {
		return ws.StatusCode(code), reason
	}
	return ws.StatusInternalError, "internal error"
}

// endLocked decides the end of s: its end frame is written after the
// queued messages (dropped first when drop), within the write timeout.
func (s *stream) endLocked(code ws.StatusCode, reason string, drop bool) {
	if s.ended {
		return
	}
	s.ended, s.code = true, code
	s.endErr = &ws.CloseError{Code: code, Reason: closereason.Truncate(reason)}
	if code == ws.StatusNormalClosure {
		s.endErr = io.EOF
	}
	if drop {
		clear(s.out)
		s.out = nil
	}
	s.endB = endFrame(s.id, code, reason)
	if len(s.out) > 0 {
		time.AfterFunc(s.writeTimeout, s.flushTimedOut)
	}
	if s.room != nil {
		close(s.room)
		s.room = nil
	}
	s.cancel(s.endErr)
	s.wakeReceiver()
	s.c.scheduleLocked(s)
}

// flushTimedOut ends a stream whose last messages the client did not take
// within the write timeout: they are dropped, and the end says so.
func (s *stream) flushTimedOut() {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.endDone || len(s.out) == 0 {
		return
	}
	clear(s.out)
	s.out = nil
	s.code = ws.StatusSlowConsumer
	s.endB = endFrame(s.id, ws.StatusSlowConsumer, "slow consumer: the stream's last messages were not taken within the write timeout")
	s.c.scheduleLocked(s)
}

// finishedLocked forgets s once its end is written: its id no longer
// counts against the connection's limit.
func (s *stream) finishedLocked() {
	s.c.removeLocked(s)
	if s.started && s.car != nil && !s.counted {
		s.counted = true
		s.car.Closed(s.code, time.Since(s.begun))
	}
}

// peerEnded is the client's end of the stream: its Close (1000) or its
// Fail. Nothing more is written on the stream.
func (s *stream) peerEnded(code ws.StatusCode, reason string) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.ended {
		return
	}
	if code == 0 {
		code = ws.StatusNormalClosure
	}
	s.endLocked(code, reason, true)
	s.endDone = true
	s.finishedLocked()
}

// connEnded ends s with its connection.
func (s *stream) connEnded(cause error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	code, reason := ws.StatusGoingAway, "connection ended"
	var ce *ws.CloseError
	if errors.As(cause, &ce) {
		code, reason = ce.Code, ce.Reason
	}
	s.endLocked(code, reason, true)
	s.endDone = true
	s.finishedLocked()
}

// handled ends a stream whose handler returned: one it answered as HTTP
// (before the start) ends with that answer.
func (s *stream) handled(rec *recorder) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.ended {
		return
	}
	if s.started {
		s.endLocked(ws.StatusNormalClosure, "", false)
		return
	}
	status, _, body := rec.result()
	code, reason := refusal(status, body)
	if status < 400 {
		status, code = http.StatusBadRequest, ws.StatusPolicyViolation
		reason = fmt.Sprintf("mux: %s is not a streaming method", s.req.URL.Path)
		body = nil
	}
	if len(body) > 1024 {
		body = nil
	}
	s.ended, s.endDone = true, true
	s.endErr = &ws.CloseError{Code: code, Reason: reason}
	s.cancel(s.endErr)
	s.c.pushLocked((&frame{T: kindEnd, ID: s.id, Code: code, Reason: closereason.Truncate(reason), Status: status, Body: body}).encode())
	s.finishedLocked()
}

// Context implements transport.Carrier: it ends with the stream.
func (s *stream) Context() context.Context { return s.ctx }

// Request implements transport.Carrier: the stream's request, the
// connection's headers and query under the stream's own.
func (s *stream) Request() *http.Request { return s.req }
