package natsbroker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Ready reports whether the Broker can serve: nil when its NATS connection
// is up and its presence bucket is in place, otherwise an error saying
// what it waits for. A readiness endpoint answers 503 while it is not nil
// (chatd's /readyz does).
func (b *Broker) Ready() error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("natsbroker: NATS connection %s", strings.ToLower(st.String()))
	}
	if !b.presence.healthy.Load() {
		return errors.New("natsbroker: restoring the presence bucket after a reconnect")
	}
	return nil
}

// watchConnection logs the connection's state changes and, after a
// reconnect, restores what the server may have lost (see restoreAfter)
// until Close.
func (b *Broker) watchConnection() {
	defer close(b.watchDone)
	up := true
	for {
		select {
		case <-b.stop:
			return
		case _, ok := <-b.status:
			if !ok {
				return
			}
		}
		// Events can be dropped when they come faster than they are read:
		// the connection's status now is what counts.
		switch st := b.nc.Status(); st {
		case nats.CONNECTED:
			if up {
				continue
			}
			up = true
			b.cfg.logger.Info("natsbroker: NATS reconnected", "url", b.nc.ConnectedUrlRedacted(), "node", b.cfg.nodeID)
			b.restoreAfterReconnect()
		case nats.CLOSED:
			b.presence.healthy.Store(false)
			b.cfg.logger.Error("natsbroker: NATS connection closed: rooms and presence across nodes stop working until the process restarts", "node", b.cfg.nodeID)
			return
		default: // DISCONNECTED, RECONNECTING
			if !up {
				continue
			}
			up = false
			b.presence.healthy.Store(false)
			b.cfg.logger.Warn("natsbroker: NATS connection lost, reconnecting", "status", strings.ToLower(st.String()), "node", b.cfg.nodeID)
		}
	}
}

// restoreAfterReconnect makes every room this node knows look its stream
// up again and, if the server lost it (memory storage), create it again
// continuing from the last sequence this node published or delivered;
// then it puts back the presence bucket, its watcher and this node's
// entries. It retries with backoff while the connection is up and
// JetStream not ready yet, until Close.
func (b *Broker) restoreAfterReconnect() {
	b.restoreRooms()
	wait := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.timeout)
		err := b.presence.restore(ctx, b.presence.generation.Load())
		cancel()
		if err == nil || errors.Is(err, ErrClosed) {
			return
		}
		b.cfg.logger.Warn("natsbroker: restoring presence after a reconnect failed; retrying", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-b.stop:
			t.Stop()
			return
		case <-t.C:
		}
		if b.nc.Status() != nats.CONNECTED {
			return // lost again: the next reconnect restores
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// restoreRooms forgets every room's stream handle and looks up again, or
// creates again, the streams of the rooms whose sequence this node knows,
// at once after a reconnect: before another node that does not know the
// sequence publishes, which would create the stream from sequence 1.
func (b *Broker) restoreRooms() {
	b.mu.Lock()
	rooms := make([]*room, 0, len(b.rooms))
	for _, r := range b.rooms {
		rooms = append(rooms, r)
	}
	b.mu.Unlock()
	for _, r := range rooms {
		// Not under b.mu: a publisher may hold r.mu for a round trip.
		r.mu.Lock()
		r.s = nil
		r.last = max(r.last, r.delivered.Load())
		known := r.last
		r.mu.Unlock()
		if known == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.timeout)
		_, err := b.room(ctx, r.name, true)
		cancel()
		if err != nil {
			b.cfg.logger.Warn("natsbroker: room stream after a reconnect; the next use tries again", "room", r.name, "err", err)
		}
	}
}
