package ws

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// writeLoop is the connection's only writer while it runs: it drains the
// queue in batches (every frame queued when it takes a batch is written
// before it looks again), sends the close frame once a close was requested
// and the queue is empty, and exits when the queue is empty.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	if err := c.writeRest(); err != nil {
		c.writeFailed(err)
		return
	}
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
			c.writeFailed(err)
			return
		}
	}
}

// writeFailed ends the connection after a failed write.
func (c *Conn) writeFailed(err error) {
	if !c.closing() {
		c.ep.log.Debug("websocket write failed", "id", c.id, "error", err.Error())
	}
	c.abort(fmt.Errorf("ws: write: %w", err), StatusAbnormal)
	c.discardQueue()
}

// writeRest writes, under the write timeout, the bytes a writing turn
// (writeTurn) left because the socket was full.
func (c *Conn) writeRest() error {
	if !c.out.direct || !c.out.hasRest() {
		return nil
	}
	c.busy.Store(true)
	defer c.busy.Store(false)
	c.beginWrite()
	err := c.out.flushRest()
	if !c.endWrite() {
		return errWriteTimeout
	}
	return err
}

// writeTurn is the writer of a connection whose frames SendRaw queued
// (fan-out: the same frame for every member of a room), run by one of a
// few goroutines that serve every such connection in turn (turns) instead
// of a goroutine per connection: it writes what is queued in one write
// that never waits, then the connection goes back in line if more was
// queued meanwhile. A busy room thus costs no goroutine per member and
// message, and the members whose turn comes after the next message was
// queued get both in one write. Whatever could wait goes to a writer
// goroutine of the connection's own (writeLoop), as without turns: the
// bytes the socket did not take (a peer that reads slowly; the write
// timeout then judges it), a close handshake, a write delay, a batch of
// more than corkLimit/2 bytes, and a batch while a ping or pong is being
// written.
func (c *Conn) writeTurn() {
	if c.life.Err() != nil {
		c.discardQueue()
		c.wg.Done()
		return // writing stays set: no writer after the end
	}
	c.qmu.Lock()
	if len(c.queue) == 0 && c.closeReq == nil {
		c.writing = false
		c.qmu.Unlock()
		c.wg.Done()
		return
	}
	size := 0
	for _, f := range c.queue {
		size += len(f)
	}
	if len(c.queue) == 0 || size > corkLimit/2 || c.ep.cfg.WriteDelay > 0 || !c.out.corkNow() {
		c.qmu.Unlock()
		go c.writeLoop() // the turn passes to a writer goroutine, with the wg count
		return
	}
	batch := c.queue
	c.queue = c.spare[:0]
	c.wakeSenders()
	c.qmu.Unlock()
	c.ep.metrics.queued(-len(batch))
	rest, err := c.writeNow(batch)
	clear(batch)
	c.spare = batch[:0]
	if err != nil {
		c.writeFailed(err)
		c.wg.Done()
		return
	}
	if rest {
		go c.writeLoop() // writes the rest first, under the write timeout
		return
	}
	c.qmu.Lock()
	more := len(c.queue) > 0 || c.closeReq != nil
	if !more {
		c.writing = false
	}
	c.qmu.Unlock()
	if more {
		turns.add(c)
		return
	}
	c.wg.Done()
}

// writeNow writes batch, collected by corkNow, without waiting.
func (c *Conn) writeNow(batch [][]byte) (rest bool, err error) {
	c.busy.Store(true)
	defer c.busy.Store(false)
	for _, f := range batch {
		if err := c.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
			c.out.uncork(false)
			return false, err
		}
		c.ep.metrics.out(len(f))
	}
	return c.out.uncorkNow()
}

// turnQueue is the line of connections waiting for a writing turn, and the
// goroutines (at most GOMAXPROCS) that give them: they run while the line
// is not empty.
type turnQueue struct {
	mu      sync.Mutex
	line    []*Conn
	head    int
	running int
	limit   int // GOMAXPROCS, read when the line fills again
}

var turns turnQueue

// add puts c, whose writing turn the caller holds (c.writing, counted in
// c.wg), at the end of the line.
func (q *turnQueue) add(c *Conn) {
	q.mu.Lock()
	q.line = append(q.line, c)
	if q.running == 0 {
		q.limit = runtime.GOMAXPROCS(0)
	}
	start := q.running < q.limit
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go q.serve()
	}
}

func (q *turnQueue) serve() {
	for {
		q.mu.Lock()
		if q.head == len(q.line) {
			q.running--
			if cap(q.line) > 4096 {
				q.line = nil // a burst's line is not kept
			} else {
				q.line = q.line[:0]
			}
			q.head = 0
			q.mu.Unlock()
			return
		}
		c := q.line[q.head]
		q.line[q.head] = nil
		q.head++
		if q.head >= 1024 && 2*q.head >= len(q.line) {
			n := copy(q.line, q.line[q.head:])
			clear(q.line[n:])
			q.line, q.head = q.line[:n], 0
		}
		q.mu.Unlock()
		c.writeTurn()
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
