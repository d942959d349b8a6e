package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Envelope is one message of a room as a Broker carries it.
type Envelope struct {
	// Room is the room the message was published to.
	Room string
	// Seq is the message's sequence number in Room: 1 for the first message,
	// then consecutive.
	Seq int64
	// Time is when the broker accepted the message.
	Time time.Time
	// Data is the message encoded as JSON, as published (the "" view).
	Data []byte
	// Value is the published Go value. Only brokers that deliver within the
	// publishing process set it; across processes it is nil and the receiving
	// Hub decodes Data (see WithDecoder).
	Value any
}

// Broker orders and delivers the messages of each room, possibly across
// processes. The Hub publishes through it and subscribes once per room it
// holds; the Hub relies on three properties:
//
//   - Publish assigns the room's next sequence number, so sequences are
//     consecutive per room whatever the number of publishers or nodes.
//   - Every subscriber of a room receives that room's envelopes in sequence
//     order, one call at a time.
//   - Publish calls build with the sequence and time the message will have,
//     and stores the Data and Value it returns. build may be called more than
//     once (a broker using optimistic concurrency calls it again after a
//     conflict), so it must have no side effects. An error from build aborts
//     the publish and consumes no sequence number.
type Broker interface {
	// Publish appends one message to room and returns its sequence.
	Publish(ctx context.Context, room string, build func(seq int64, at time.Time) (Envelope, error)) (int64, error)
	// Subscribe calls deliver for each message published to room from now
	// on, until cancel is called. deliver must not call back into the
	// Broker's Subscribe or cancel functions.
	Subscribe(room string, deliver func(Envelope)) (cancel func(), err error)
}

// ErrBrokerClosed is returned by a MemoryBroker used after Close.
var ErrBrokerClosed = errors.New("hub: broker closed")

// MemoryBroker is the Broker for one process: it orders each room's
// messages under a per-room lock and calls subscribers synchronously, so
// when Publish returns every local subscriber has received the message.
// Envelopes carry the published Value, so views need no decoding.
//
// It keeps the last sequence of every room it has seen (a few bytes per
// room), so a room that a Hub evicts and later re-creates continues its
// sequence instead of starting again at 1.
type MemoryBroker struct {
	mu     sync.Mutex
	rooms  map[string]*memoryRoom
	now    func() time.Time
	closed bool
}

type memoryRoom struct {
	mu     sync.Mutex
	seq    int64
	nextID int
	subs   map[int]func(Envelope)
}

// NewMemoryBroker returns an empty in-memory broker. now, if not nil,
// replaces time.Now for the time stamped on messages.
func NewMemoryBroker(now func() time.Time) *MemoryBroker {
	if now == nil {
		now = time.Now
	}
	return &MemoryBroker{rooms: make(map[string]*memoryRoom), now: now}
}

func (b *MemoryBroker) room(name string) (*memoryRoom, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	r := b.rooms[name]
	if r == nil {
		r = &memoryRoom{subs: make(map[int]func(Envelope))}
		b.rooms[name] = r
	}
	return r, nil
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(ctx context.Context, room string, build func(seq int64, at time.Time) (Envelope, error)) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("publish to %q: %w", room, err)
	}
	r, err := b.room(room)
	if err != nil {
		return 0, fmt.Errorf("publish to %q: %w", room, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seq, at := r.seq+1, b.now()
	env, err := build(seq, at)
	if err != nil {
		return 0, fmt.Errorf("publish to %q: %w", room, err)
	}
	r.seq = seq
	env.Room, env.Seq, env.Time = room, seq, at
	// Delivering under the room lock is what orders concurrent publishers.
	for _, deliver := range r.subs {
		deliver(env)
	}
	return seq, nil
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(room string, deliver func(Envelope)) (func(), error) {
	r, err := b.room(room)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: %w", room, err)
	}
	r.mu.Lock()
	id := r.nextID
	r.nextID++
	r.subs[id] = deliver
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			delete(r.subs, id)
			r.mu.Unlock()
		})
	}, nil
}

// LastSeq returns the sequence of the last message published to room, 0 if
// none was.
func (b *MemoryBroker) LastSeq(room string) int64 {
	b.mu.Lock()
	r := b.rooms[room]
	b.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq
}

// Close makes later Publish and Subscribe calls fail with ErrBrokerClosed.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// HistoryBroker is a Broker that also stores each room's messages, such as
// natsbroker.Broker on JetStream. A Hub given one (WithBroker) uses it:
//
//   - HistoryContext reaches past the Hub's in-memory window, and serves
//     the rooms the Hub does not hold (after a restart, or on another node);
//   - JoinAfter catches a member up from any stored sequence, so a client
//     that reconnects to another node resumes where it stopped;
//   - a room the Hub creates (again) takes its last sequence from LastSeq
//     and subscribes with SubscribeAfter from there, so RoomInfo.LastSeq is
//     right before the first delivery and no message falls between the two.
type HistoryBroker interface {
	Broker
	// History returns up to limit stored messages of room with a sequence
	// above after, oldest first (limit <= 0: all stored ones). Messages the
	// broker no longer keeps are missing, so the first Seq may be greater
	// than after+1. A room never published to has no history and no error.
	History(ctx context.Context, room string, after int64, limit int) ([]Envelope, error)
	// SubscribeAfter is Subscribe starting after sequence after: deliver
	// receives the stored messages above it, then every new one, with no
	// gap and no duplicate, one call at a time.
	SubscribeAfter(room string, after int64, deliver func(Envelope)) (cancel func(), err error)
	// LastSeq returns the sequence of the last message of room, 0 if none.
	LastSeq(ctx context.Context, room string) (int64, error)
}

// PresenceBroker is a Broker that also tracks room members across the
// nodes sharing it, such as natsbroker.Broker. A Hub given one (WithBroker)
// records each member it joins and removes with Join and Leave, watches
// every room it holds and forwards the joins and leaves of members on other
// nodes to its own members, and lists every node's members in
// Hub.Members.
type PresenceBroker interface {
	Broker
	// NodeID names this node; it is the Node of the PresenceMember and
	// PresenceEvent values of the members joined through this broker.
	NodeID() string
	// Join records member as present in room on this node, until Leave.
	// Member IDs are unique within a room across nodes; joining twice
	// through one node without leaving returns ErrDuplicateMember.
	Join(ctx context.Context, room, member string, info PresenceInfo) error
	// Leave removes member from room if it joined through this node;
	// otherwise it does nothing.
	Leave(ctx context.Context, room, member string) error
	// Members returns the members of room on every node, sorted by ID.
	Members(room string) []PresenceMember
	// Watch calls fn for each join and leave in room on any node (this
	// one included), one call at a time and in one order, until cancel is
	// called; fn must return quickly. A call already running may finish
	// after cancel returns.
	Watch(room string, fn func(PresenceEvent)) (cancel func())
}

type messageIDKey struct{}

// WithMessageID returns a context in which Publish gives the message the
// identity id: a broker that deduplicates stores a second message with the
// same id in the same room only once and returns the first one's sequence
// (natsbroker does, with JetStream's Nats-Msg-Id, within the stream's
// duplicate window of two minutes). Build id from the caller's
// Idempotency-Key and its user, so that a retried request is stored once
// even when it reaches another node. The MemoryBroker does not deduplicate:
// on one node, the Idempotency-Key store of the unary handler does.
func WithMessageID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, messageIDKey{}, id)
}

// MessageID returns the id WithMessageID put in ctx, "" if none.
func MessageID(ctx context.Context) string {
	id, _ := ctx.Value(messageIDKey{}).(string)
	return id
}
