package sse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"duplex.dev/ws"
)

// ErrReceive is what Conn.Receive returns: an event stream carries
// nothing from the client to the server.
var ErrReceive = errors.New("sse: a Server-Sent Events stream carries no message from the client")

// errClientGone is the cause of a Conn's end when the client went away.
var errClientGone = errors.New("sse: the client went away")

// Conn is one event-stream response: the carrier of one stream to one
// client. Send and SendRaw are safe from many goroutines. Its writer is
// the goroutine of the HTTP request that opened it.
type Conn struct {
	id  string
	r   *http.Request
	w   http.ResponseWriter
	car *ws.Carrier
	cfg ws.Config
	goa bool // Goa's wire: no heartbeats, no end event

	ctx    context.Context
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	q       []event
	wake    chan struct{} // one token: something was queued, or closing
	room    chan struct{} // closed when the writer takes the queue
	closing bool
	code    ws.StatusCode
	reason  string
	done    chan struct{} // closed when the writer returned
}

func newConn(id string, w http.ResponseWriter, r *http.Request, car *ws.Carrier) *Conn {
	ctx, cancel := context.WithCancelCause(r.Context())
	return &Conn{
		id: id, r: r, w: w, car: car, cfg: car.Config(),
		ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), room: make(chan struct{}), done: make(chan struct{}),
	}
}

// ID identifies the connection within its server, for logs and rooms.
func (c *Conn) ID() string { return c.id }

// Request returns the request that opened the stream: the peer's address,
// headers and context values.
func (c *Conn) Request() *http.Request { return c.r }

// Context is cancelled when the stream ends: the client went away, the
// stream was closed, or the server shut down; context.Cause tells which.
func (c *Conn) Context() context.Context { return c.ctx }

// Done is closed once the stream's writer has returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Receive always fails with ErrReceive: the client sends nothing on an
// event stream (a client→server stream needs a WebSocket).
func (c *Conn) Receive(context.Context) ([]byte, error) { return nil, ErrReceive }

// Send queues frame, one JSON document, as the next event, waiting for
// room in a full queue until ctx ends or the write timeout passes; then
// the endpoint's slow-consumer policy applies, as in ws.Conn.Send.
func (c *Conn) Send(ctx context.Context, frame []byte) error {
	return c.enqueue(ctx, event{data: frame}, true)
}

// SendRaw queues frame as the next event without ever waiting: a full
// queue applies the slow-consumer policy at once (Disconnect: the stream
// ends with 4000 and ErrSlowConsumer is returned; DropOldest: the oldest
// queued event is dropped and counted). For fan-out: the frame may be
// shared and is never modified.
func (c *Conn) SendRaw(frame []byte) error {
	return c.enqueue(context.Background(), event{data: frame}, false)
}

// Close writes the queued events, then the end event with code and
// reason, and returns when the stream is over (at most the write timeout
// later). Later calls do nothing.
func (c *Conn) Close(code ws.StatusCode, reason string) error {
	c.closeWith(code, reason)
	t := time.NewTimer(c.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.cancel(fmt.Errorf("sse: close: %w", context.DeadlineExceeded))
		<-c.done
	}
	return nil
}

// closeWith asks the writer to end the stream with code and reason.
func (c *Conn) closeWith(code ws.StatusCode, reason string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.code, c.reason = true, code, reason
	}
	c.mu.Unlock()
	c.signal()
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ErrSlowConsumer is what Send and SendRaw return, under the Disconnect
// policy, once the stream's queue overflowed: the stream then ends with
// 4000.
var ErrSlowConsumer = errors.New("sse: slow consumer: send queue full")

// closedErr is what sending on a closing stream returns.
func (c *Conn) closedErr() error {
	if c.code == ws.StatusSlowConsumer {
		return ErrSlowConsumer
	}
	return &ws.CloseError{Code: c.code, Reason: c.reason}
}

// enqueue queues ev; wait says whether a full queue is waited on (Send)
// or applies the policy at once (SendRaw).
func (c *Conn) enqueue(ctx context.Context, ev event, wait bool) error {
	var timeout <-chan time.Time
	for {
		c.mu.Lock()
		if c.closing {
			err := c.closedErr()
			c.mu.Unlock()
			return err
		}
		if err := c.ctx.Err(); err != nil {
			c.mu.Unlock()
			return fmt.Errorf("sse: stream ended: %w", context.Cause(c.ctx))
		}
		if len(c.q) < c.cfg.SendQueue {
			c.q = append(c.q, ev)
			c.mu.Unlock()
			c.car.Queued(1)
			c.signal()
			return nil
		}
		if !wait {
			err := c.overflowLocked(ev)
			c.mu.Unlock()
			c.signal()
			return err
		}
		room := c.room
		c.mu.Unlock()
		var err error
		if wait, err = c.waitRoom(ctx, room, &timeout); err != nil {
			return err
		}
	}
}

// waitRoom waits for room in the queue (room is closed when the writer
// takes it), for the stream's end, for ctx (its error is returned) or for
// the write timeout, which starts at the first wait (*timeout holds it):
// it reports false once the timeout passed, the slow-consumer policy
// applying then.
func (c *Conn) waitRoom(ctx context.Context, room <-chan struct{}, timeout *<-chan time.Time) (bool, error) {
	if *timeout == nil {
		*timeout = time.After(c.cfg.WriteTimeout)
	}
	select {
	case <-room:
	case <-*timeout:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	case <-c.ctx.Done():
	}
	return true, nil
}

// overflowLocked applies the slow-consumer policy to a full queue; c.mu
// is held.
func (c *Conn) overflowLocked(ev event) error {
	if c.cfg.SlowConsumer == ws.DropOldest {
		copy(c.q, c.q[1:])
		c.q[len(c.q)-1] = ev
		c.car.Dropped()
		return nil
	}
	c.closing = true
	c.code, c.reason = ws.StatusSlowConsumer, fmt.Sprintf("slow consumer: more than %d events queued", c.cfg.SendQueue)
	return ErrSlowConsumer
}

// preload puts replayed events at the head of the queue, past its bound:
// a resumed client gets all it missed before anything new.
func (c *Conn) preload(evs []event) {
	c.mu.Lock()
	c.q = append(evs, c.q...)
	c.mu.Unlock()
	c.car.Queued(len(evs))
	c.signal()
}

// hasRoom reports whether Send would queue without waiting, and the
// channel closed when the writer next makes room.
func (c *Conn) hasRoom() (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || len(c.q) < c.cfg.SendQueue, c.room
}

// kill ends the stream without an end event (the client is gone, or
// another request resumed its session).
func (c *Conn) kill(cause error) { c.cancel(cause) }

// serve writes the response: the headers, then the queued events as they
// come, heartbeats while idle, and the end event. It runs on the request's
// goroutine and returns the close code the stream ended with (1006: the
// client went away or a write failed).
func (c *Conn) serve() ws.StatusCode {
	defer close(c.done)
	defer c.drop()
	rc := http.NewResponseController(c.w)
	h := c.w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		c.cancel(fmt.Errorf("sse: flush: %w", err))
		return ws.StatusAbnormal
	}
	var beat <-chan time.Time
	var timer *time.Timer
	if d := c.cfg.HeartbeatInterval; d > 0 && !c.goa {
		timer = time.NewTimer(d)
		defer timer.Stop()
		beat = timer.C
	}
	var buf []byte
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		_, err := c.w.Write(b)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			c.cancel(fmt.Errorf("sse: write: %w", err))
			return false
		}
		if timer != nil {
			timer.Reset(c.cfg.HeartbeatInterval)
		}
		return true
	}
	for {
		c.mu.Lock()
		batch, closing, code, reason := c.q, c.closing, c.code, c.reason
		c.q = nil
		if len(batch) > 0 {
			close(c.room)
			c.room = make(chan struct{})
		}
		c.mu.Unlock()
		buf = buf[:0]
		for _, ev := range batch {
			buf = appendEvent(buf, ev)
			c.car.Sent(len(ev.data))
		}
		c.car.Queued(-len(batch))
		if closing && !c.goa {
			buf = appendEnd(buf, code, reason)
		}
		if len(buf) > 0 && !write(buf) {
			return ws.StatusAbnormal
		}
		if closing {
			c.cancel(&ws.CloseError{Code: code, Reason: reason})
			return code
		}
		select {
		case <-c.wake:
		case <-beat:
			if !write([]byte(heartbeat)) {
				return ws.StatusAbnormal
			}
		case <-c.ctx.Done():
			if c.r.Context().Err() != nil {
				c.cancel(errClientGone)
			}
			return ws.StatusAbnormal
		}
	}
}

// drop refuses further sends once the writer returned and uncounts what
// was left in the queue.
func (c *Conn) drop() {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.code, c.reason = true, ws.StatusAbnormal, "the stream ended"
	}
	n := len(c.q)
	c.q = nil
	c.mu.Unlock()
	c.car.Queued(-n)
}
