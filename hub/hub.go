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
	// Node is the node the member joined through, with a PresenceBroker
	// (its NodeID); empty otherwise.
	Node string `json:"node,omitempty"`
	// Expired is true for a leave caused by the member's node no longer
	// refreshing its presence (the node died or lost its broker), as a
	// PresenceBroker reports it; false for a member that left.
	Expired bool `json:"expired,omitempty"`
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
	// Node is the node the member joined through, with a PresenceBroker
	// (its NodeID); empty otherwise. Members of other nodes have no View.
	Node string `json:"node,omitempty"`
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
// MemoryBroker, which is right for one process. A broker that also
// implements HistoryBroker or PresenceBroker (natsbroker.Broker does both)
// gives the Hub durable history and resumption, and presence across nodes.
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

// WithPresenceEvent turns presence events on: render makes each one the
// value encoded and sent to the room's members (a nil value sends nothing
// for that event). Return a value of the type the room's streams carry (the
// design's result type, as examples/chat does with its RoomEvent), so that
// typed clients decode it; return the PresenceEvent itself only to clients
// that expect the Hub's own shape.
//
// Without this option members receive no presence events, only published
// messages: a stream whose result type is the design's never carries a frame
// its generated client cannot decode. Members still lists who is present.
func WithPresenceEvent(render func(PresenceEvent) any) Option {
	return func(h *Hub) { h.renderPresence = render }
}

// Hub holds the rooms of one process: their members, presence, history and
// activity, and delivers each room's messages to its members in sequence
// order, encoding each message once per view in use. All methods are safe
// for concurrent use.
type Hub struct {
	broker         Broker
	hb             HistoryBroker  // broker, if it stores history
	pb             PresenceBroker // broker, if it tracks presence
	node           string         // pb.NodeID()
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

	// Quotas (quota.go).
	historyBytes, maxRooms, maxRoomsPerSubject int
	subjects                                   subjectRooms
}

type room struct {
	name    string
	cancel  func() // broker subscription
	unwatch func() // presence watch, with a PresenceBroker

	mu         sync.Mutex
	closed     bool
	members    map[string]*membership
	byView     map[string]map[string]*membership
	history    []Entry
	historyLen int // bytes of the history's Data, for WithHistoryBytes
	lastSeq    int64
	lastActive time.Time
	// leaves are members removed under mu whose PresenceBroker entry is
	// still to be removed, outside mu (see flushLeaves).
	leaves []string
}

type membership struct {
	m        Member
	view     string
	info     PresenceInfo
	joinedAt time.Time
	// catchup, while not nil, collects the frames sent to a member that
	// JoinAfter is still catching up, in order, instead of sending them.
	catchup *[]pendingFrame
	// skip is the last sequence JoinAfter sent from a HistoryBroker, which
	// may be ahead of the Hub's deliveries: live messages up to it are not
	// sent again.
	skip int64
}

// pendingFrame is a frame held for a member being caught up; seq is the
// message's sequence, 0 for a presence event.
type pendingFrame struct {
	seq   int64
	frame []byte
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
	h.hb, _ = h.broker.(HistoryBroker)
	if h.pb, _ = h.broker.(PresenceBroker); h.pb != nil {
		h.node = h.pb.NodeID()
	}
	return h
}

// room returns the room called name, creating it and subscribing to the
// broker if needed (and, with a HistoryBroker, reading its last sequence,
// and with a PresenceBroker, watching its presence).
func (h *Hub) room(ctx context.Context, name string) (*room, error) {
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
	if h.maxRooms > 0 && len(h.rooms) >= h.maxRooms {
		return nil, fmt.Errorf("%w: the server holds %d rooms, its most", ErrTooManyRooms, len(h.rooms))
	}
	r := &room{
		name:       name,
		members:    make(map[string]*membership),
		byView:     make(map[string]map[string]*membership),
		lastActive: h.now(),
	}
	deliver := func(env Envelope) { h.deliver(r, env) }
	var err error
	if h.hb != nil {
		// Subscribing after the last stored sequence leaves no message
		// between the two, and a re-created room continues its sequence.
		if r.lastSeq, err = h.hb.LastSeq(ctx, name); err != nil {
			return nil, fmt.Errorf("hub: room %q: %w", name, err)
		}
		r.cancel, err = h.hb.SubscribeAfter(name, r.lastSeq, deliver)
	} else {
		r.cancel, err = h.broker.Subscribe(name, deliver)
	}
	if err != nil {
		return nil, fmt.Errorf("hub: room %q: %w", name, err)
	}
	if h.pb != nil {
		r.unwatch = h.pb.Watch(name, func(ev PresenceEvent) { h.remotePresence(r, ev) })
	}
	h.rooms[name] = r
	return r, nil
}

// stop ends r's broker subscription and presence watch; r.mu must not be
// held, as the broker may be delivering to r.
func (r *room) stop() {
	r.cancel()
	if r.unwatch != nil {
		r.unwatch()
	}
}

// Join adds m to room, receiving messages in view ("" for the published
// value) from now on, and tells the room's other members with a join event.
// With a PresenceBroker the member is also recorded there, so other nodes
// see it join. m leaves when leave is called or ctx is done, whichever is
// first; leave may be called more than once.
func (h *Hub) Join(ctx context.Context, roomName string, m Member, view string, info PresenceInfo) (leave func(), err error) {
	return h.join(ctx, roomName, m, view, info, 0, false)
}

// JoinAfter is Join for a member that has already seen the room's messages
// up to sequence after (a client resuming, on this node or another): before
// it returns, m is handed every message with a greater sequence, oldest
// first, from the Hub's history or, when that window does not reach back to
// after, from the HistoryBroker; then it receives messages live. Nothing
// published meanwhile is missed or sent twice: messages and presence events
// that arrive while m catches up are held and handed to it in order after
// the stored ones. Without a HistoryBroker only the Hub's window is
// available, so messages older than it are missed; so are messages a
// HistoryBroker no longer keeps (see its limits). after <= 0 means from the
// room's first message.
func (h *Hub) JoinAfter(ctx context.Context, roomName string, m Member, view string, info PresenceInfo, after int64) (leave func(), err error) {
	return h.join(ctx, roomName, m, view, info, max(after, 0), true)
}

func (h *Hub) join(ctx context.Context, roomName string, m Member, view string, info PresenceInfo, after int64, resume bool) (leave func(), err error) {
	if _, ok := h.views[view]; view != "" && !ok {
		return nil, fmt.Errorf("join %q with view %q: %w", roomName, view, ErrUnknownView)
	}
	if roomName == "" {
		return nil, fmt.Errorf("join %q: %w", roomName, ErrEmptyRoom)
	}
	id := m.ID()
	if err := h.subjects.reserve(info.User, roomName, h.maxRoomsPerSubject); err != nil {
		return nil, fmt.Errorf("join %q: %w", roomName, err)
	}
	if h.pb != nil {
		if err := h.pb.Join(ctx, roomName, id, info); err != nil {
			h.subjects.release(info.User, roomName, h.maxRoomsPerSubject)
			return nil, fmt.Errorf("join %q as %q: presence: %w", roomName, id, err)
		}
	}
	// undo removes the presence entry recorded above when the join fails.
	undo := func() {
		h.subjects.release(info.User, roomName, h.maxRoomsPerSubject)
		if h.pb != nil {
			_ = h.pb.Leave(context.WithoutCancel(ctx), roomName, id)
		}
	}
	ms := &membership{m: m, view: view, info: info}
	if resume {
		ms.catchup = new([]pendingFrame)
	}
	// Eviction may close the room between lookup and lock; a retry gets a
	// fresh one. Three tries is plenty: eviction needs an idle room.
	for range 3 {
		r, err := h.room(ctx, roomName)
		if err != nil {
			undo()
			return nil, fmt.Errorf("join %q: %w", roomName, err)
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			continue
		}
		if _, dup := r.members[id]; dup {
			r.mu.Unlock()
			undo()
			return nil, fmt.Errorf("join %q as %q: %w", roomName, id, ErrDuplicateMember)
		}
		now := h.now()
		ms.joinedAt = now
		r.members[id] = ms
		set := r.byView[view]
		if set == nil {
			set = make(map[string]*membership)
			r.byView[view] = set
		}
		set[id] = ms
		r.lastActive = now
		h.presenceLocked(r, PresenceEvent{Type: EventJoin, Room: r.name, Member: id, Info: info, Time: now, Node: h.node}, id)
		r.mu.Unlock()
		h.flushLeaves(r)

		var once sync.Once
		remove := func() {
			once.Do(func() {
				r.mu.Lock()
				if r.members[id] == ms {
					h.removeLocked(r, []*membership{ms})
				}
				r.mu.Unlock()
				h.flushLeaves(r)
			})
		}
		stop := context.AfterFunc(ctx, remove)
		leave = func() {
			stop()
			remove()
		}
		if resume {
			if err := h.catchUp(ctx, r, ms, after); err != nil {
				leave()
				return nil, fmt.Errorf("join %q as %q after %d: %w", roomName, id, after, err)
			}
		}
		return leave, nil
	}
	undo()
	return nil, fmt.Errorf("join %q: room evicted repeatedly", roomName)
}

// errLeftDuringCatchUp is returned by JoinAfter when the member was removed
// (its ctx ended, or it was dropped) before it was caught up.
var errLeftDuringCatchUp = errors.New("hub: member left while catching up")

// catchUp hands ms the messages of r after sequence after, then the frames
// held for it meanwhile, and makes it live. ms was registered (with its
// catchup buffer) before the history is read, so every message is either
// in that history or in the buffer, or both; and a HistoryBroker's history
// may be ahead of the Hub's deliveries, so later ones too: sequences
// already sent are skipped, while catching up and then live.
func (h *Hub) catchUp(ctx context.Context, r *room, ms *membership, after int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", errLeftDuringCatchUp, err)
	}
	entries, err := h.HistoryContext(ctx, r.name, after, 0)
	if err != nil {
		return err
	}
	sent := after
	for _, e := range entries {
		if e.Seq <= sent {
			continue
		}
		frame := e.Data
		if ms.view != "" {
			if frame, err = json.Marshal(h.views[ms.view](e.Value)); err != nil {
				return fmt.Errorf("encode message %d in view %q: %w", e.Seq, ms.view, err)
			}
			h.encodes.Add(1)
		}
		if err := ms.m.SendRaw(frame); err != nil {
			h.dropped.Add(1)
			return fmt.Errorf("send message %d: %w", e.Seq, err)
		}
		h.frames.Add(1)
		sent = e.Seq
	}
	for {
		r.mu.Lock()
		if r.members[ms.m.ID()] != ms {
			r.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%w: %w", errLeftDuringCatchUp, err)
			}
			return errLeftDuringCatchUp
		}
		held := *ms.catchup
		if len(held) == 0 {
			// Live from here, under the lock deliver holds. The stored
			// history may have been ahead of this Hub's deliveries.
			ms.catchup, ms.skip = nil, sent
			r.mu.Unlock()
			return nil
		}
		*ms.catchup = nil
		r.mu.Unlock()
		for _, p := range held {
			if p.seq != 0 && p.seq <= sent {
				continue
			}
			if err := ms.m.SendRaw(p.frame); err != nil {
				h.dropped.Add(1)
				return fmt.Errorf("send held frame: %w", err)
			}
			h.frames.Add(1)
			sent = max(sent, p.seq)
		}
	}
}

// Publish publishes one message to room. build receives the sequence number
// and time the broker assigns, so the message can carry them (a chat
// Message's sequence and timestamp), and returns the value to send; it may
// be called more than once and must have no side effects. The value is
// encoded as JSON once for the "" view and once for each other view in use.
// With the MemoryBroker, every local member has been handed the message
// when Publish returns.
func (h *Hub) Publish(ctx context.Context, roomName string, build func(seq int64, at time.Time) (any, error)) (int64, error) {
	if _, err := h.room(ctx, roomName); err != nil {
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
		if h.historyBytes > 0 && len(data) > h.historyBytes {
			return Envelope{}, fmt.Errorf("%w: %d bytes encoded, a room keeps at most %d", ErrMessageTooLarge, len(data), h.historyBytes)
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
	value := h.value(r.name, env)
	r.mu.Lock()
	h.deliverLocked(r, env, value)
	dropped := len(r.leaves) > 0
	r.mu.Unlock()
	if dropped {
		h.flushLeaves(r)
	}
}

// value returns env's Go value, decoding it if it came without one.
func (h *Hub) value(roomName string, env Envelope) any {
	if env.Value != nil {
		return env.Value
	}
	h.decodes.Add(1)
	if h.decode != nil {
		if v, err := h.decode(roomName, env.Data); err == nil {
			return v
		}
	}
	return json.RawMessage(env.Data)
}

func (h *Hub) deliverLocked(r *room, env Envelope, value any) {
	if r.closed {
		return
	}
	if env.Seq > r.lastSeq {
		r.lastSeq = env.Seq
	}
	r.lastActive = h.now()
	if h.historyLimit > 0 && (h.historyBytes == 0 || len(env.Data) <= h.historyBytes) {
		r.history = append(r.history, Entry{Seq: env.Seq, Time: env.Time, Value: value, Data: env.Data})
		r.historyLen += len(env.Data)
		drop := 0
		for len(r.history)-drop > h.historyLimit || (h.historyBytes > 0 && r.historyLen > h.historyBytes) {
			r.historyLen -= len(r.history[drop].Data)
			drop++
		}
		r.history = slices.Delete(r.history, 0, drop)
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
		failed = h.sendLocked(set, env.Seq, frame, "", failed)
	}
	h.removeLocked(r, failed)
}

// sendLocked hands frame (message seq, or 0 for a presence event) to every
// member of set except the one called except, or holds it for a member
// being caught up, and returns failed with the members whose SendRaw
// failed added.
func (h *Hub) sendLocked(set map[string]*membership, seq int64, frame []byte, except string, failed []*membership) []*membership {
	for id, ms := range set {
		if id == except {
			continue
		}
		if ms.catchup != nil {
			*ms.catchup = append(*ms.catchup, pendingFrame{seq: seq, frame: frame})
			continue
		}
		if seq != 0 && seq <= ms.skip {
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
	h.removeLocked(r, h.sendLocked(r.members, 0, frame, except, nil))
}

func (h *Hub) encodePresence(ev PresenceEvent) ([]byte, bool) {
	if h.renderPresence == nil {
		return nil, false // presence events are off (WithPresenceEvent)
	}
	v := h.renderPresence(ev)
	if v == nil {
		return nil, false
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
			h.subjects.release(ms.info.User, r.name, h.maxRoomsPerSubject)
			delete(r.byView[ms.view], id)
			if len(r.byView[ms.view]) == 0 {
				delete(r.byView, ms.view)
			}
			events = append(events, PresenceEvent{Type: EventLeave, Room: r.name, Member: id, Info: ms.info, Time: now, Node: h.node})
			if h.pb != nil {
				r.leaves = append(r.leaves, id)
			}
		}
		r.lastActive = now
		var failed []*membership
		for _, ev := range events {
			frame, ok := h.encodePresence(ev)
			if !ok {
				continue
			}
			failed = h.sendLocked(r.members, 0, frame, "", failed)
		}
		members = failed
	}
}

// flushLeaves removes from the PresenceBroker the members removed from r
// under r.mu since the last call. It is called after r.mu is released, as
// it waits for the broker. An error is ignored: the broker's entry then
// expires with its presence timeout.
func (h *Hub) flushLeaves(r *room) {
	if h.pb == nil {
		return
	}
	r.mu.Lock()
	ids := r.leaves
	r.leaves = nil
	r.mu.Unlock()
	for _, id := range ids {
		_ = h.pb.Leave(context.Background(), r.name, id)
	}
}

// remotePresence forwards a PresenceBroker event of room r to r's members,
// unless it is about a member of this node (which the Hub announced
// itself).
func (h *Hub) remotePresence(r *room, ev PresenceEvent) {
	if ev.Node == h.node {
		return
	}
	r.mu.Lock()
	if _, local := r.members[ev.Member]; r.closed || local {
		r.mu.Unlock()
		return
	}
	r.lastActive = h.now()
	h.presenceLocked(r, ev, "")
	r.mu.Unlock()
	h.flushLeaves(r)
}

// Members returns the current members of room, sorted by ID: those of this
// Hub and, with a PresenceBroker, those of every other node too.
func (h *Hub) Members(roomName string) []PresenceMember {
	var out []PresenceMember
	local := make(map[string]bool)
	if r := h.lookup(roomName); r != nil {
		r.mu.Lock()
		out = make([]PresenceMember, 0, len(r.members))
		for id, ms := range r.members {
			out = append(out, PresenceMember{ID: id, Info: ms.info, View: ms.view, JoinedAt: ms.joinedAt, Node: h.node})
			local[id] = true
		}
		r.mu.Unlock()
	}
	if h.pb != nil {
		for _, pm := range h.pb.Members(roomName) {
			if pm.Node != h.node && !local[pm.ID] {
				out = append(out, pm)
			}
		}
	}
	slices.SortFunc(out, func(a, b PresenceMember) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// History returns up to limit messages of room with a sequence above after,
// oldest first (limit <= 0: all that are kept), from the Hub's memory only:
// the last HistoryLimit messages it delivered, and none of a room it does
// not hold (evicted, or never joined or published to since New). Use
// HistoryContext to reach a HistoryBroker's stored history.
func (h *Hub) History(roomName string, after int64, limit int) []Entry {
	r := h.lookup(roomName)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return windowLocked(r, after, limit)
}

// HistoryContext is History that, when the broker is a HistoryBroker and
// the Hub's in-memory window does not reach back to after (or the Hub does
// not hold the room: after a restart, or on another node), reads the
// broker's stored history instead, decoding it with WithDecoder. With the
// broker, limit <= 0 returns every stored message after after, so give a
// limit. Messages the broker no longer keeps are missing (the first Seq
// is then above after+1). Without a HistoryBroker it is History.
func (h *Hub) HistoryContext(ctx context.Context, roomName string, after int64, limit int) ([]Entry, error) {
	after = max(after, 0)
	if r := h.lookup(roomName); r != nil {
		r.mu.Lock()
		covered := h.hb == nil || after >= r.lastSeq || len(r.history) > 0 && r.history[0].Seq <= after+1
		if covered {
			defer r.mu.Unlock()
			return windowLocked(r, after, limit), nil
		}
		r.mu.Unlock()
	}
	if h.hb == nil {
		return nil, nil
	}
	envs, err := h.hb.History(ctx, roomName, after, limit)
	if err != nil {
		return nil, fmt.Errorf("history of %q after %d: %w", roomName, after, err)
	}
	out := make([]Entry, 0, len(envs))
	for _, env := range envs {
		out = append(out, Entry{Seq: env.Seq, Time: env.Time, Value: h.value(roomName, env), Data: env.Data})
	}
	return out, nil
}

// windowLocked returns up to limit entries of r's in-memory history after
// sequence after; r.mu must be held.
func windowLocked(r *room, after int64, limit int) []Entry {
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
			r.stop() // outside r.mu: the broker may be delivering to r
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

// Close drops every room, cancelling the broker subscriptions (and
// presence watches), and removes this Hub's members from a PresenceBroker;
// later Join and Publish calls fail with ErrClosed. It does not close the
// broker or the members.
func (h *Hub) Close() error {
	h.mu.Lock()
	h.closed = true
	type left struct{ room, id string }
	var leaves []left
	for name, r := range h.rooms {
		r.mu.Lock()
		r.closed = true
		if h.pb != nil {
			for id := range r.members {
				leaves = append(leaves, left{name, id})
			}
		}
		r.mu.Unlock()
		r.stop()
		delete(h.rooms, name)
	}
	h.mu.Unlock()
	var errs []error
	for _, l := range leaves {
		if err := h.pb.Leave(context.Background(), l.room, l.id); err != nil {
			errs = append(errs, fmt.Errorf("hub: close: presence leave %q as %q: %w", l.room, l.id, err))
		}
	}
	return errors.Join(errs...)
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
