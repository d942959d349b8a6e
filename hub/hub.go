package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Member is one receiver in a room. A WebSocket connection satisfies it.
type Member interface {
	// ID identifies the member; it is unique within a room.
	ID() string
	// SendRaw queues one pre-encoded JSON text frame for the member and
	// returns without waiting for the peer. The same frame is shared by
	// every member, so SendRaw must not modify it. An error (for example a
	// full queue: a slow consumer) removes the member from every room the
	// Hub delivers to it in.
	SendRaw(frame []byte) error
}

// PresenceInfo is what other members learn about a member.
type PresenceInfo struct {
	// User is the member's display name or user id.
	User string `json:"user,omitempty"`
	// Meta holds application-defined presence attributes.
	Meta map[string]string `json:"meta,omitempty"`
}

// Presence event types.
const (
	EventJoin  = "join"
	EventLeave = "leave"
)

// PresenceEvent tells a room's members that a member joined or left.
type PresenceEvent struct {
	// Type is EventJoin or EventLeave.
	Type string `json:"type"`
	// Room is the room's name.
	Room string `json:"room"`
	// Member is the member's ID.
	Member string `json:"member"`
	// Info is the member's presence information.
	Info PresenceInfo `json:"info"`
	// Time is when the member joined or left.
	Time time.Time `json:"timestamp"`
}

// PresenceMember describes a current member of a room.
type PresenceMember struct {
	// ID is the member's ID.
	ID string `json:"id"`
	// Info is the member's presence information.
	Info PresenceInfo `json:"info"`
	// View is the view the member receives messages in.
	View string `json:"view"`
	// JoinedAt is when the member joined.
	JoinedAt time.Time `json:"joined_at"`
}

// Entry is one message of a room's history.
type Entry struct {
	// Seq is the message's sequence number in its room.
	Seq int64
	// Time is when the broker accepted the message.
	Time time.Time
	// Value is the published value (or the decoded one, for a message
	// published on another node).
	Value any
	// Data is the message encoded as JSON in the "" view.
	Data []byte
}

// RoomInfo describes a room.
type RoomInfo struct {
	// Name is the room's name.
	Name string
	// Members is the number of members.
	Members int
	// LastSeq is the sequence of the last message the Hub delivered.
	LastSeq int64
	// LastActive is the time of the last join, leave or message.
	LastActive time.Time
}

// Stats are the Hub's counters since New.
type Stats struct {
	// Rooms is the number of rooms held.
	Rooms int
	// Members is the number of memberships, over all rooms.
	Members int
	// Published counts messages published through this Hub.
	Published int64
	// Delivered counts messages received from the broker.
	Delivered int64
	// Encodes counts JSON encodings: one per message at publication (the ""
	// view), one per other view in use per delivered message, and one per
	// presence event; never one per member.
	Encodes int64
	// Decodes counts envelopes decoded because they came without a value.
	Decodes int64
	// Frames counts frames handed to members.
	Frames int64
	// Dropped counts members removed because SendRaw failed.
	Dropped int64
}

// Errors returned by the Hub.
var (
	ErrClosed          = errors.New("hub: closed")
	ErrUnknownView     = errors.New("hub: unknown view")
	ErrDuplicateMember = errors.New("hub: member already in room")
	ErrEmptyRoom       = errors.New("hub: empty room name")
)

// Option configures a Hub.
type Option func(*Hub)

// WithBroker sets the broker messages go through; the default is a new
// MemoryBroker, which is right for one process.
func WithBroker(b Broker) Option { return func(h *Hub) { h.broker = b } }

// WithHistoryLimit sets how many messages each room keeps for History
// (default 100; 0 keeps none).
func WithHistoryLimit(n int) Option { return func(h *Hub) { h.historyLimit = max(n, 0) } }

// WithIdleTimeout sets how long a room with no members and no activity is
// kept before Evict drops it (default 10 minutes).
func WithIdleTimeout(d time.Duration) Option { return func(h *Hub) { h.idleTimeout = d } }

// WithClock replaces time.Now for presence times and room activity, so
// tests can drive eviction.
func WithClock(now func() time.Time) Option { return func(h *Hub) { h.now = now } }

// WithView registers a view: members that join with this view name receive
// project(value) instead of the published value. The empty name is the
// published value itself and cannot be registered.
func WithView(name string, project func(v any) any) Option {
	return func(h *Hub) {
		if name != "" && project != nil {
			h.views[name] = project
		}
	}
}

// WithDecoder sets how an envelope that arrives without its Go value (one
// published on another node) is turned back into a value for views and
// History. The default keeps the bytes as a json.RawMessage.
func WithDecoder(decode func(room string, data []byte) (any, error)) Option {
	return func(h *Hub) { h.decode = decode }
}

// WithPresenceEvent sets how a presence event becomes the value encoded
// and sent to members, so an application can send its own event type; a nil
// value sends nothing. The default sends the PresenceEvent itself.
func WithPresenceEvent(render func(PresenceEvent) any) Option {
	return func(h *Hub) { h.renderPresence = render }
}

// Hub holds the rooms of one process: their members, presence, history and
// activity, and delivers each room's messages to its members in sequence
// order, encoding each message once per view in use. All methods are safe
// for concurrent use.
type Hub struct {
	broker         Broker
	historyLimit   int
	idleTimeout    time.Duration
	now            func() time.Time
	views          map[string]func(any) any
	decode         func(room string, data []byte) (any, error)
	renderPresence func(PresenceEvent) any

	// Lock order: Hub.mu, then the broker's locks, then room.mu.
	mu     sync.Mutex
	rooms  map[string]*room
	closed bool

	published, delivered, encodes, decodes, frames, dropped atomic.Int64
}

type room struct {
	name   string
	cancel func() // broker subscription

	mu         sync.Mutex
	closed     bool
	members    map[string]*membership
	byView     map[string]map[string]*membership
	history    []Entry
	lastSeq    int64
	lastActive time.Time
}

type membership struct {
	m        Member
	view     string
	info     PresenceInfo
	joinedAt time.Time
}

// New returns a Hub configured by opts.
func New(opts ...Option) *Hub {
	h := &Hub{
		historyLimit: 100,
		idleTimeout:  10 * time.Minute,
		now:          time.Now,
		views:        make(map[string]func(any) any),
		rooms:        make(map[string]*room),
	}
	for _, o := range opts {
		o(h)
	}
	if h.broker == nil {
		h.broker = NewMemoryBroker(h.now)
	}
	return h
}

// room returns the room called name, creating it and subscribing to the
// broker if needed.
func (h *Hub) room(name string) (*room, error) {
	if name == "" {
		return nil, ErrEmptyRoom
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if r := h.rooms[name]; r != nil {
		return r, nil
	}
	r := &room{
		name:       name,
		members:    make(map[string]*membership),
		byView:     make(map[string]map[string]*membership),
		lastActive: h.now(),
	}
	cancel, err := h.broker.Subscribe(name, func(env Envelope) { h.deliver(r, env) })
	if err != nil {
		return nil, fmt.Errorf("hub: room %q: %w", name, err)
	}
	r.cancel = cancel
	h.rooms[name] = r
	return r, nil
}

// Join adds m to room, receiving messages in view ("" for the published
// value), and tells the room's other members with a join event. m leaves
// when leave is called or ctx is done, whichever is first; leave may be
// called more than once.
func (h *Hub) Join(ctx context.Context, roomName string, m Member, view string, info PresenceInfo) (leave func(), err error) {
	if _, ok := h.views[view]; view != "" && !ok {
		return nil, fmt.Errorf("join %q with view %q: %w", roomName, view, ErrUnknownView)
	}
	ms := &membership{m: m, view: view, info: info}
	// Eviction may close the room between lookup and lock; a retry gets a
	// fresh one. Three tries is plenty: eviction needs an idle room.
	for range 3 {
		r, err := h.room(roomName)
		if err != nil {
			return nil, fmt.Errorf("join %q: %w", roomName, err)
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			continue
		}
		if _, dup := r.members[m.ID()]; dup {
			r.mu.Unlock()
			return nil, fmt.Errorf("join %q as %q: %w", roomName, m.ID(), ErrDuplicateMember)
		}
		now := h.now()
		ms.joinedAt = now
		r.members[m.ID()] = ms
		set := r.byView[view]
		if set == nil {
			set = make(map[string]*membership)
			r.byView[view] = set
		}
		set[m.ID()] = ms
		r.lastActive = now
		h.presenceLocked(r, PresenceEvent{Type: EventJoin, Room: r.name, Member: m.ID(), Info: info, Time: now}, m.ID())
		r.mu.Unlock()

		var once sync.Once
		remove := func() {
			once.Do(func() {
				r.mu.Lock()
				defer r.mu.Unlock()
				if r.members[m.ID()] == ms {
					h.removeLocked(r, []*membership{ms})
				}
			})
		}
		stop := context.AfterFunc(ctx, remove)
		leave = func() {
			stop()
			remove()
		}
		return leave, nil
	}
	return nil, fmt.Errorf("join %q: room evicted repeatedly", roomName)
}

// Publish publishes one message to room. build receives the sequence number
// and time the broker assigns, so the message can carry them (a chat
// Message's sequence and timestamp), and returns the value to send; it may
// be called more than once and must have no side effects. The value is
// encoded as JSON once for the "" view and once for each other view in use.
// With the MemoryBroker, every local member has been handed the message
// when Publish returns.
func (h *Hub) Publish(ctx context.Context, roomName string, build func(seq int64, at time.Time) (any, error)) (int64, error) {
	if _, err := h.room(roomName); err != nil {
		return 0, fmt.Errorf("publish to %q: %w", roomName, err)
	}
	seq, err := h.broker.Publish(ctx, roomName, func(seq int64, at time.Time) (Envelope, error) {
		v, err := build(seq, at)
		if err != nil {
			return Envelope{}, err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return Envelope{}, fmt.Errorf("encode message %d: %w", seq, err)
		}
		h.encodes.Add(1)
		return Envelope{Data: data, Value: v}, nil
	})
	if err != nil {
		return 0, err
	}
	h.published.Add(1)
	return seq, nil
}

// deliver is the broker subscription of room r.
func (h *Hub) deliver(r *room, env Envelope) {
	h.delivered.Add(1)
	value := env.Value
	if value == nil {
		value = json.RawMessage(env.Data)
		if h.decode != nil {
			v, err := h.decode(r.name, env.Data)
			if err == nil {
				value = v
			}
		}
		h.decodes.Add(1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if env.Seq > r.lastSeq {
		r.lastSeq = env.Seq
	}
	r.lastActive = h.now()
	if h.historyLimit > 0 {
		if len(r.history) >= h.historyLimit {
			r.history = slices.Delete(r.history, 0, len(r.history)-h.historyLimit+1)
		}
		r.history = append(r.history, Entry{Seq: env.Seq, Time: env.Time, Value: value, Data: env.Data})
	}
	var failed []*membership
	for view, set := range r.byView {
		if len(set) == 0 {
			continue
		}
		frame := env.Data
		if view != "" {
			b, err := json.Marshal(h.views[view](value))
			if err != nil {
				// A view that cannot be encoded is a programming error; its
				// members miss this message rather than everyone.
				continue
			}
			h.encodes.Add(1)
			frame = b
		}
		failed = h.sendLocked(set, frame, "", failed)
	}
	h.removeLocked(r, failed)
}

// sendLocked hands frame to every member of set except the one called
// except, and returns failed with the members whose SendRaw failed added.
func (h *Hub) sendLocked(set map[string]*membership, frame []byte, except string, failed []*membership) []*membership {
	for id, ms := range set {
		if id == except {
			continue
		}
		if err := ms.m.SendRaw(frame); err != nil {
			h.dropped.Add(1)
			failed = append(failed, ms)
			continue
		}
		h.frames.Add(1)
	}
	return failed
}

// presenceLocked encodes ev once and sends it to every member of r but
// except.
func (h *Hub) presenceLocked(r *room, ev PresenceEvent, except string) {
	frame, ok := h.encodePresence(ev)
	if !ok {
		return
	}
	h.removeLocked(r, h.sendLocked(r.members, frame, except, nil))
}

func (h *Hub) encodePresence(ev PresenceEvent) ([]byte, bool) {
	var v any = ev
	if h.renderPresence != nil {
		if v = h.renderPresence(ev); v == nil {
			return nil, false
		}
	}
	frame, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	h.encodes.Add(1)
	return frame, true
}

// removeLocked removes members from r and sends a leave event for each; a
// member whose SendRaw fails on that event is removed in turn. The loop ends
// because every round removes at least one member.
func (h *Hub) removeLocked(r *room, members []*membership) {
	for len(members) > 0 {
		var events []PresenceEvent
		now := h.now()
		for _, ms := range members {
			id := ms.m.ID()
			if r.members[id] != ms {
				continue
			}
			delete(r.members, id)
			delete(r.byView[ms.view], id)
			if len(r.byView[ms.view]) == 0 {
				delete(r.byView, ms.view)
			}
			events = append(events, PresenceEvent{Type: EventLeave, Room: r.name, Member: id, Info: ms.info, Time: now})
		}
		r.lastActive = now
		var failed []*membership
		for _, ev := range events {
			frame, ok := h.encodePresence(ev)
			if !ok {
				continue
			}
			failed = h.sendLocked(r.members, frame, "", failed)
		}
		members = failed
	}
}

// Members returns the current members of room, sorted by ID.
func (h *Hub) Members(roomName string) []PresenceMember {
	r := h.lookup(roomName)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	out := make([]PresenceMember, 0, len(r.members))
	for id, ms := range r.members {
		out = append(out, PresenceMember{ID: id, Info: ms.info, View: ms.view, JoinedAt: ms.joinedAt})
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b PresenceMember) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// History returns up to limit messages of room with a sequence above after,
// oldest first (limit <= 0: all that are kept). Only the last HistoryLimit
// messages are kept, and none of a room that was evicted.
func (h *Hub) History(roomName string, after int64, limit int) []Entry {
	r := h.lookup(roomName)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, _ := slices.BinarySearchFunc(r.history, after, func(e Entry, seq int64) int {
		switch {
		case e.Seq <= seq:
			return -1
		default:
			return 1
		}
	})
	tail := r.history[i:]
	if limit > 0 && len(tail) > limit {
		tail = tail[:limit]
	}
	return slices.Clone(tail)
}

// Room describes room, if the Hub holds it.
func (h *Hub) Room(roomName string) (RoomInfo, bool) {
	r := h.lookup(roomName)
	if r == nil {
		return RoomInfo{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return RoomInfo{Name: r.name, Members: len(r.members), LastSeq: r.lastSeq, LastActive: r.lastActive}, true
}

// Rooms returns the names of the rooms the Hub holds, sorted.
func (h *Hub) Rooms() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := make([]string, 0, len(h.rooms))
	for name := range h.rooms {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (h *Hub) lookup(name string) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[name]
}

// Evict drops the rooms that have no members and no activity since
// now minus the idle timeout, with their history, and returns their names.
// Call it periodically (see Run) or from tests with a chosen time.
func (h *Hub) Evict(now time.Time) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var evicted []string
	for name, r := range h.rooms {
		r.mu.Lock()
		idle := len(r.members) == 0 && now.Sub(r.lastActive) >= h.idleTimeout
		if idle {
			r.closed = true
		}
		r.mu.Unlock()
		if idle {
			delete(h.rooms, name)
			r.cancel() // outside r.mu: the broker may be delivering to r
			evicted = append(evicted, name)
		}
	}
	slices.Sort(evicted)
	return evicted
}

// Run calls Evict every half idle timeout until ctx is done.
func (h *Hub) Run(ctx context.Context) {
	t := time.NewTicker(max(h.idleTimeout/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.Evict(h.now())
		}
	}
}

// Close drops every room, cancelling the broker subscriptions; later Join
// and Publish calls fail with ErrClosed. It does not close the broker or
// the members.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for name, r := range h.rooms {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.cancel()
		delete(h.rooms, name)
	}
	return nil
}

// Stats returns the Hub's counters.
func (h *Hub) Stats() Stats {
	s := Stats{
		Published: h.published.Load(),
		Delivered: h.delivered.Load(),
		Encodes:   h.encodes.Load(),
		Decodes:   h.decodes.Load(),
		Frames:    h.frames.Load(),
		Dropped:   h.dropped.Load(),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Rooms = len(h.rooms)
	for _, r := range h.rooms {
		r.mu.Lock()
		s.Members += len(r.members)
		r.mu.Unlock()
	}
	return s
}
