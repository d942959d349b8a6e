package ws

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// beat runs in the heartbeat timer's goroutine, an interval after the
// last frame heard or the last ping: it pings the peer when no data frame
// came for an interval, and releases it when a ping stayed unanswered (no
// pong, no frame) for the timeout. Then it re-arms the timer, for the
// next interval or the end of the timeout, whichever comes first. It
// writes the ping and returns: the pong clears pinged as it goes by
// (closeReasonCheck, idleReader.awaitInput), so a beat costs no goroutine
// waiting for it and the pong wakes no one.
func (c *Conn) beat() {
	c.hbMu.Lock()
	if c.hbStopped {
		c.hbMu.Unlock()
		return
	}
	c.hbWG.Add(1)
	c.hbMu.Unlock()
	defer c.hbWG.Done()
	if c.life.Err() != nil {
		return
	}
	interval, timeout := c.ep.cfg.HeartbeatInterval, c.ep.cfg.HeartbeatTimeout
	now := time.Now()
	excused := c.excused()
	if sent := c.pinged.Load(); sent != 0 {
		switch {
		case c.heardSince(sent):
			c.pinged.CompareAndSwap(sent, 0)
		case now.UnixNano()-sent < int64(timeout):
		case !excused:
			c.ep.log.Info("websocket peer missed heartbeat", "id", c.id, "timeout", timeout)
			c.abort(ErrHeartbeatTimeout, StatusAbnormal)
			return
		default:
			// The missing pong says nothing about the peer: the next ping
			// starts a timeout of its own.
			c.pinged.CompareAndSwap(sent, 0)
		}
	}
	next := interval
	if !excused {
		if idle := now.Sub(time.Unix(0, c.lastRead.Load())); idle < next {
			// Heard lately: look again an interval after the last frame,
			// so that a silence is noticed within interval + timeout, not
			// two intervals + timeout.
			next -= idle
		} else {
			c.pinged.CompareAndSwap(0, now.UnixNano()) // before the write: the pong clears it
			if err := c.ping(); err != nil {
				if !c.closing() {
					c.ep.log.Debug("websocket ping failed", "id", c.id, "error", err.Error())
					c.abort(fmt.Errorf("ws: write ping: %w", err), StatusAbnormal)
				}
				return
			}
		}
	}
	if sent := c.pinged.Load(); sent != 0 {
		if left := time.Duration(sent + int64(timeout) - now.UnixNano()); left < next {
			next = left
		}
	}
	c.hbMu.Lock()
	if !c.hbStopped {
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

// heardSince reports whether a data frame arrived after t (Unix ns).
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
