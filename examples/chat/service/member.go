package service

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"duplex.dev/ws"
)

// rawConn is what a generated server stream offers when it exposes its
// WebSocket connection: the hub then hands it the frames it encoded once
// for the whole room.
type rawConn interface{ Conn() *ws.Conn }

// streamIDs numbers the members of streams that do not expose their
// connection.
var streamIDs atomic.Int64

// rawSender returns the member ID and the raw-frame sender of stream. When
// the generated stream does not expose its connection, frames are decoded
// into T and sent with send: correct, but each member then encodes the
// frame again.
func rawSender[T any](stream any, send func(*T) error) (string, func([]byte) error) {
	if rc, ok := stream.(rawConn); ok {
		c := rc.Conn()
		return c.ID(), c.SendRaw
	}
	id := fmt.Sprintf("stream-%d", streamIDs.Add(1))
	return id, func(frame []byte) error {
		v := new(T)
		if err := json.Unmarshal(frame, v); err != nil {
			return fmt.Errorf("decode hub frame: %w", err)
		}
		return send(v)
	}
}

// errCatchUpOverflow ends a join whose live messages piled up past
// maxPending while its catch-up was being sent. Its 4000-range code tells
// the client to reconnect: a fresh catch-up may keep up.
var errCatchUpOverflow = &ws.CloseError{Code: ws.StatusSlowConsumer, Reason: "too many messages while catching up"}

// maxPending bounds the live frames a member holds during its catch-up.
const maxPending = 4096

// member is a hub member that holds live frames back until the catch-up
// (presence and recent history) has been sent, so the client sees history
// then live messages, in sequence order and without duplicates.
type member struct {
	id   string
	send func([]byte) error

	mu       sync.Mutex
	live     bool
	overflow bool // the hub dropped the member during its catch-up
	pending  [][]byte
}

func (m *member) ID() string { return m.id }

// SendRaw implements hub.Member.
func (m *member) SendRaw(frame []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live {
		return m.send(frame)
	}
	if len(m.pending) >= maxPending {
		m.overflow, m.pending = true, nil
		return errCatchUpOverflow
	}
	if m.overflow {
		return errCatchUpOverflow
	}
	m.pending = append(m.pending, frame)
	return nil
}

// goLive sends the frames held back, skipping messages with a sequence of
// at most sent (the catch-up had them), and lets later frames through.
func (m *member) goLive(sent int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.overflow {
		return errCatchUpOverflow
	}
	for _, f := range m.pending {
		if seq := frameSequence(f); seq != 0 && seq <= sent {
			continue
		}
		if err := m.send(f); err != nil {
			return err
		}
	}
	m.pending, m.live = nil, true
	return nil
}

// frameSequence returns the sequence of the message a room-event frame
// carries, 0 for presence events.
func frameSequence(frame []byte) int64 {
	var ev struct {
		Message *struct {
			Sequence int64 `json:"sequence"`
		} `json:"message"`
	}
	if json.Unmarshal(frame, &ev) != nil || ev.Message == nil {
		return 0
	}
	return ev.Message.Sequence
}
