package ws

import (
	"context"
	"time"
)

// beat pings the peer, in the heartbeat timer's goroutine, and releases
// the connection when the pong does not come back within the timeout; then
// it re-arms the timer.
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
	next := c.ep.cfg.HeartbeatInterval
	if !c.excused() {
		if idle := time.Since(time.Unix(0, c.lastRead.Load())); idle < next {
			// Heard lately: look again an interval after the last frame,
			// so that a silence is noticed within interval + timeout, not
			// two intervals + timeout.
			next -= idle
		} else if c.missedPong() {
			c.ep.log.Info("websocket peer missed heartbeat", "id", c.id, "timeout", c.ep.cfg.HeartbeatTimeout)
			c.abort(ErrHeartbeatTimeout, StatusAbnormal)
			return
		}
	}
	c.hbMu.Lock()
	if !c.hbStopped {
		c.hb.Reset(next)
	}
	c.hbMu.Unlock()
}

// missedPong pings the peer and reports whether it failed to answer within
// the heartbeat timeout, with nothing else heard from it meanwhile.
func (c *Conn) missedPong() bool {
	sent := time.Now()
	// Not derived from c.life: a child would leave c.life a map of
	// children and a done channel for the connection's whole life. The
	// end of c.life closes the socket, which ends Ping anyway.
	ctx, cancel := context.WithTimeout(context.Background(), c.ep.cfg.HeartbeatTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	return err != nil && !c.excused() && !c.heardSince(sent)
}

// heardSince reports whether a data frame arrived after t.
func (c *Conn) heardSince(t time.Time) bool { return c.lastRead.Load() > t.UnixNano() }

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
