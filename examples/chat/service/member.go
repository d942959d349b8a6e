package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"duplex.dev/sse"
	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// rawConn is what a generated server stream offers when it exposes its
// WebSocket connection: the hub then hands it the frames it encoded once
// for the whole room.
type rawConn interface{ Conn() *ws.Conn }

// eventStream is what a stream offers that may be read as Server-Sent
// Events (SSEFallback): its events, resumable with Last-Event-ID on a
// Resumable method; nil on a WebSocket.
type eventStream interface{ Events() *sse.Stream }

// resumable is what the stream of a Resumable() method offers: a client
// speaking duplex.v1 has a session, whose replay buffer takes the frames.
type resumable interface{ Session() *resume.Session }

// carried is a stream on another carrier, and frameSender that carrier
// when it takes pre-encoded frames (a stream of a multiplexed connection).
type (
	carried     interface{ Carrier() transport.Carrier }
	frameSender interface {
		ID() string
		SendRaw([]byte) error
		SendFrame(context.Context, []byte) error
	}
)

// rawSender returns the member ID and two raw-frame senders of stream:
// sendRaw queues a frame without ever waiting (for the hub's live fan-out,
// where one slow member must not hold up a room), sendWait waits for room
// (for a catch-up sent by the member's own handler, which must not lose
// frames to the slow-consumer policy). Every generated server stream
// offers its connection (Conn), and a resumable one its duplex.v1 session
// (Session), so the hub's frames, encoded once per room, go out as they are.
func rawSender(stream any) (id string, sendRaw func([]byte) error, sendWait func(context.Context, []byte) error, err error) {
	if rs, ok := stream.(resumable); ok {
		if sess := rs.Session(); sess != nil {
			return sess.ID(), sess.SendRaw, func(ctx context.Context, frame []byte) error {
				return sess.Send(ctx, json.RawMessage(frame))
			}, nil
		}
	}
	if es, ok := stream.(eventStream); ok {
		if s := es.Events(); s != nil {
			// Start first: a request that resumes a session
			// (Last-Event-ID) stops here, before it joins anything; the
			// session's own handler serves it.
			if err := s.Start(); err != nil {
				return "", nil, nil, err
			}
			return s.ID(), s.SendRaw, s.SendFrame, nil
		}
	}
	if rc, ok := stream.(rawConn); ok {
		if c := rc.Conn(); c != nil {
			return c.ID(), c.SendRaw, func(ctx context.Context, frame []byte) error {
				return c.Send(ctx, json.RawMessage(frame))
			}, nil
		}
	}
	if cs, ok := stream.(carried); ok { // a stream of a multiplexed connection (duplex.dev/mux)
		if c, ok := cs.Carrier().(frameSender); ok {
			return c.ID(), c.SendRaw, c.SendFrame, nil
		}
	}
	return "", nil, nil, fmt.Errorf("chat: stream %T exposes neither Session, Events nor Conn: regenerate examples/chat/gen", stream)
}

// errCatchUpOverflow ends a join whose live messages piled up past its
// limit while its catch-up was being sent. Its 4000-range code tells the
// client to reconnect: a fresh catch-up may keep up.
var errCatchUpOverflow = &ws.CloseError{Code: ws.StatusSlowConsumer, Reason: "too many messages while catching up"}

// maxPending bounds the live frames a member holds during its catch-up.
const maxPending = 4096

// maxResume bounds, in addition to maxPending, the messages a member
// resuming with join's "after" may be behind: the hub hands them all to
// the member before it returns, and they are held until the roster has
// been sent. It matches natsbroker's default per-room history limit.
const maxResume = 100_000

// member is a hub member that holds frames back until the catch-up
// (presence and recent or missed history) has been sent, so the client sees
// the roster, then history, then live messages, in sequence order and
// without duplicates.
type member struct {
	id       string
	send     func([]byte) error
	sendWait func(context.Context, []byte) error
	limit    int // frames held at most before going live; 0 means maxPending

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
	limit := m.limit
	if limit <= 0 {
		limit = maxPending
	}
	if len(m.pending) >= limit {
		m.overflow, m.pending = true, nil
		return errCatchUpOverflow
	}
	if m.overflow {
		return errCatchUpOverflow
	}
	m.pending = append(m.pending, frame)
	return nil
}

// goLive sends the frames held back with sendWait, skipping messages with
// a sequence of at most sent (the catch-up had them), and lets later frames
// through. Frames that arrive while it sends are held and sent in turn; the
// member is live once none is left.
func (m *member) goLive(ctx context.Context, sent int64) error {
	for {
		m.mu.Lock()
		if m.overflow {
			m.mu.Unlock()
			return errCatchUpOverflow
		}
		held := m.pending
		m.pending = nil
		if len(held) == 0 {
			m.live = true
			m.mu.Unlock()
			return nil
		}
		m.mu.Unlock()
		for _, f := range held {
			seq := frameSequence(f)
			if seq != 0 && seq <= sent {
				continue
			}
			if err := m.sendWait(ctx, f); err != nil {
				return err
			}
			sent = max(sent, seq)
		}
	}
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
