package ws

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// beat runs in the heartbeat timer's goroutine. It pings the peer when
// nothing was heard from it for an interval, and comes back a timeout
// later: a peer that answered nothing since (no pong, no frame) is
// released. Then it re-arms the timer. It writes the ping and returns; the
// pong is noted as it goes by (closeReasonCheck, idleReader.awaitInput),
// so a beat costs no goroutine waiting for it and the pong wakes no one.
func (c *Conn) beat() {
	c.hbMu.Lock()
	if c.hbStopped {
		c.hbMu.Unlock()
		return
	}
	c.hbWG.Add(1)
	sent := c.pinged
	c.pinged = 0
	c.hbMu.Unlock()
	defer c.hbWG.Done()
	if c.life.Err() != nil {
		return
	}
	if sent != 0 && !c.heardSince(sent) && !c.excused() {
		c.ep.log.Info("websocket peer missed heartbeat", "id", c.id, "timeout", c.ep.cfg.HeartbeatTimeout)
		c.abort(ErrHeartbeatTimeout, StatusAbnormal)
		return
	}
	next := c.ep.cfg.HeartbeatInterval
	var pinged int64
	if !c.excused() {
		if idle := time.Since(time.Unix(0, c.lastRead.Load())); idle < next {
			// Heard lately: look again an interval after the last frame,
			// so that a silence is noticed within interval + timeout, not
			// two intervals + timeout.
			next -= idle
		} else {
			pinged = time.Now().UnixNano()
			if err := c.ping(); err != nil {
				if !c.closing() {
					c.ep.log.Debug("websocket ping failed", "id", c.id, "error", err.Error())
					c.abort(fmt.Errorf("ws: write ping: %w", err), StatusAbnormal)
				}
				return
			}
			next = c.ep.cfg.HeartbeatTimeout
		}
	}
	c.hbMu.Lock()
	if !c.hbStopped {
		c.pinged = pinged
		c.hb.Reset(next)
	}
	c.hbMu.Unlock()
}

// opPing is the opcode of a ping frame (RFC 6455 section 5.5.2), given
// to the library's Write as a message type.
const opPing websocket.MessageType = 9

// ping writes a ping frame with no payload and returns without waiting for
// the pong. The library's Ping would wait for it in the caller's goroutine,
// with a context and timer of its own and an entry in a map, and wake the
// goroutine that reads to hand it over. Write frames a message of one
// frame with the type's opcode (a payload under the compression threshold
// is never compressed) under the library's write lock, between the
// connection's other frames, as its own control frames are.
func (c *Conn) ping() error {
	return c.ws.Write(context.Background(), opPing, nil)
}

// heardSince reports whether a data frame or a pong arrived after t (Unix
// ns).
func (c *Conn) heardSince(t int64) bool { return c.lastRead.Load() > t }

// excused reports whether a missing pong says nothing about the peer: the
// reader is waiting for the handler (pongs are not read), the writer is
// busy (the write timeout judges that peer), or the connection is closing.
func (c *Conn) excused() bool {
	return c.parked.Load() || c.busy.Load() || c.unread() || c.closing()
}

// unread reports whether nobody reads the socket: the handler has the turn
// to read but is not in Receive.
func (c *Conn) unread() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return !c.rloop && !c.rinline && !c.rdone
}

// stopHeartbeat disarms the heartbeat and waits for a running beat.
func (c *Conn) stopHeartbeat() {
	if c.hb == nil {
		return
	}
	c.hbMu.Lock()
	c.hbStopped = true
	c.hb.Stop()
	c.hbMu.Unlock()
	c.hbWG.Wait()
}
