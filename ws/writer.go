package ws

import (
	"context"
	"fmt"
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
	c.armWriteTimer()
	corked := c.out.cork()
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
