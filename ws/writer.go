package ws

import (
	"context"
	"fmt"
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
	c.armWriteTimer()
	err := c.out.flushRest()
	if !c.wtimer.Stop() {
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
// buffered writer after every message; with more than one frame the
// flushes go to the corked writer, which hands the whole batch to the
// socket in one write at the end.
func (c *Conn) writeBatch(batch [][]byte) error {
	c.busy.Store(true)
	defer c.busy.Store(false)
	c.armWriteTimer()
	corked := len(batch) > 1 && c.out.cork()
	for _, f := range batch {
		if err := c.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
			if corked {
				c.out.uncork(false)
			}
			c.wtimer.Stop()
			return err
		}
		c.ep.metrics.out(len(f))
	}
	if corked {
		if err := c.out.uncork(true); err != nil {
			c.wtimer.Stop()
			return err
		}
	}
	if !c.wtimer.Stop() {
		return errWriteTimeout
	}
	return nil
}

// armWriteTimer starts the write timeout of the writer's next write; the
// timer is made on the first write, so a connection that never sends has
// none.
func (c *Conn) armWriteTimer() {
	if c.wtimer == nil {
		c.wtimer = time.AfterFunc(c.ep.cfg.WriteTimeout, func() { c.abort(errWriteTimeout, StatusAbnormal) })
		return
	}
	c.wtimer.Reset(c.ep.cfg.WriteTimeout)
}

// sendClose performs the close handshake, then releases the connection.
func (c *Conn) sendClose(ce *CloseError) {
	if c.life.Err() != nil {
		return // dropped meanwhile
	}
	c.armWriteTimer()
	err := c.ws.Close(websocket.StatusCode(ce.Code), ce.Reason)
	c.wtimer.Stop()
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
