package ws

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/coder/websocket"
)

// writeLoop is the connection's only writer while it runs: it drains the
// queue in batches (every frame queued when it takes a batch is written
// before it looks again), sends the close frame once a close was requested
// and the queue is empty, and exits when the queue is empty.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	for {
		c.delayWrite()
		if c.life.Err() != nil {
			c.discardQueue()
			return // writing stays set: no writer after the end
		}
		c.qmu.Lock()
		batch := c.queue
		closeReq := c.closeReq
		if len(batch) == 0 {
			if closeReq == nil {
				c.writing = false
			}
			c.qmu.Unlock()
			if closeReq != nil {
				c.sendClose(closeReq)
			}
			return
		}
		c.queue = c.spare[:0]
		c.wakeSenders()
		c.qmu.Unlock()
		c.ep.metrics.queued(-len(batch))
		err := c.writeBatch(batch)
		clear(batch)
		c.spare = batch[:0]
		if err != nil {
			if !c.closing() {
				c.ep.log.Debug("websocket write failed", "id", c.id, "error", err.Error())
			}
			c.abort(fmt.Errorf("ws: write: %w", err), StatusAbnormal)
			c.discardQueue()
			return
		}
	}
}

// delayWrite waits WriteDelay before the writer takes a batch, so that the
// frames queued meanwhile are written with it; the connection's end cuts
// the wait short. There is no wait before a close frame alone.
func (c *Conn) delayWrite() {
	d := c.ep.cfg.WriteDelay
	if d <= 0 {
		return
	}
	c.qmu.Lock()
	empty := len(c.queue) == 0
	c.qmu.Unlock()
	if empty {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.life.Done():
	}
}

// writeBatch writes batch back to back. coder/websocket flushes its
// buffered writer after every message, and its buffer is small (a frame
// larger than writeBufferSize goes through it in pieces): the flushes go
// to the corked writer, which hands the whole batch to the socket in one
// write at the end.
func (c *Conn) writeBatch(batch [][]byte) error {
	c.busy.Store(true)
	defer c.busy.Store(false)
	c.beginWrite()
	corked := c.out.cork()
	for _, f := range batch {
		if err := c.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
			if corked {
				c.out.uncork(false)
			}
			c.endWrite()
			return err
		}
		c.ep.metrics.out(len(f))
	}
	if corked {
		if err := c.out.uncork(true); err != nil {
			c.endWrite()
			return err
		}
	}
	if !c.endWrite() {
		return errWriteTimeout
	}
	return nil
}

// The write timeout is one timer per connection that a write does not
// move: beginWrite notes when the write began and arms the timer only
// when it is not armed; when it fires (writeWatch) during a write that
// began less than WriteTimeout ago, it sets itself for the rest, and when
// no write is in progress it stays unarmed until the next write. A write
// then costs a clock reading, not a Reset and a Stop of the timer (two
// updates of the runtime's timer heap under its lock); a connection that
// has stopped writing keeps the timer armed until it fires once more, or
// until the connection is released (stopWriteTimer).

// beginWrite starts the write timeout of a write; the caller holds the
// writing turn.
func (c *Conn) beginWrite() {
	c.wstart.Store(monotonic())
	if !c.wwatch.CompareAndSwap(false, true) {
		return // armed: it fires no later than this write's timeout
	}
	t := c.wtimer.Load()
	if t == nil {
		// Made unarmed, then published, then armed: writeWatch finds it.
		t = time.AfterFunc(math.MaxInt64, c.writeWatch)
		c.wtimer.Store(t)
	}
	t.Reset(c.ep.cfg.WriteTimeout)
}

// endWrite ends the write timeout of a write; it reports false when the
// write outlasted it (the connection is being aborted).
func (c *Conn) endWrite() bool {
	c.wstart.Store(0)
	return !c.wexpire.Load()
}

// writeWatch is the write timer's function: it aborts the connection when
// the write in progress began WriteTimeout ago or more, sets the timer
// for the rest of it when it began later, and leaves the timer unarmed
// when no write is in progress.
func (c *Conn) writeWatch() {
	for {
		start := c.wstart.Load()
		if start == 0 {
			c.wwatch.Store(false)
			// A write that began before the flag was cleared saw the timer
			// armed and left it to this call.
			if c.wstart.Load() == 0 || !c.wwatch.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		left := c.ep.cfg.WriteTimeout - time.Duration(monotonic()-start)
		if left <= 0 {
			c.wexpire.Store(true)
			c.abort(errWriteTimeout, StatusAbnormal)
			return // the timer stays marked armed: nothing is written after this
		}
		c.wtimer.Load().Reset(left)
		return
	}
}

// stopWriteTimer disarms the write timer once nothing writes any more (the
// writer goroutine has ended and the handler returned), so that it does
// not keep the connection alive until it fires.
func (c *Conn) stopWriteTimer() {
	if t := c.wtimer.Load(); t != nil {
		t.Stop()
	}
}

// clockStart is the origin of monotonic.
var clockStart = time.Now()

// monotonic returns the time on the monotonic clock in nanoseconds since
// clockStart, never 0.
func monotonic() int64 { return int64(time.Since(clockStart)) + 1 }

// sendClose performs the close handshake, then releases the connection.
func (c *Conn) sendClose(ce *CloseError) {
	if c.life.Err() != nil {
		return // dropped meanwhile
	}
	c.beginWrite()
	err := c.ws.Close(websocket.StatusCode(ce.Code), ce.Reason)
	c.endWrite()
	if err != nil {
		c.ep.log.Debug("websocket close handshake incomplete", "id", c.id, "error", err.Error())
	}
	c.kill(ce)
}

func (c *Conn) discardQueue() {
	c.qmu.Lock()
	n := len(c.queue)
	clear(c.queue)
	c.queue = c.queue[:0]
	c.qmu.Unlock()
	c.ep.metrics.queued(-n)
}
