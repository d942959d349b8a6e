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
