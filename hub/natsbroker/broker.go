package natsbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"duplex.dev/hub"
)

// TimeHeader is the message header that carries the time the publishing
// node passed to build, in RFC 3339 with nanoseconds, so that every node
// delivers the same Envelope.Time as the one the message was built with.
const TimeHeader = "Duplex-Time"

// consumerInactiveThreshold is how long the server keeps a consumer nobody
// pulls from: a cancelled subscription's or a finished History's consumer
// goes away after it instead of nats.go's default five minutes. A live
// subscription pulls all the time; if its node is cut off for longer, the
// ordered consumer re-creates its consumer from the last sequence it saw.
const consumerInactiveThreshold = 30 * time.Second

// ErrClosed is returned by a Broker used after Close.
var ErrClosed = errors.New("natsbroker: closed")

// ErrConflict is returned by Publish when another publisher won the room's
// next sequence more times in a row than the configured attempts allow.
var ErrConflict = errors.New("natsbroker: too many sequence conflicts")

// Option configures a Broker.
type Option func(*config)

type config struct {
	streamPrefix    string
	subjectPrefix   string
	storage         jetstream.StorageType
	replicas        int
	maxMsgs         int64
	maxAge          time.Duration
	attempts        int
	timeout         time.Duration
	now             func() time.Time
	nodeID          string
	presenceTimeout time.Duration
	presenceBucket  string
	logger          *slog.Logger
}

// WithStreamPrefix sets the prefix of the per-room stream names (default
// "DUPLEX_ROOM_"). Every node of one deployment must use the same prefix.
func WithStreamPrefix(p string) Option { return func(c *config) { c.streamPrefix = p } }

// WithSubjectPrefix sets the prefix of the per-room subjects (default
// "duplex.room"); a room's subject is prefix + "." + room.
func WithSubjectPrefix(p string) Option { return func(c *config) { c.subjectPrefix = p } }

// WithMemoryStorage keeps room streams in the NATS servers' memory instead of
// files: faster, but history is lost when the servers restart.
func WithMemoryStorage() Option { return func(c *config) { c.storage = jetstream.MemoryStorage } }

// WithReplicas sets how many servers of a NATS cluster hold each room
// stream and the presence bucket (default 1; use 3 on a 3-node cluster to
// survive the loss of one server).
func WithReplicas(n int) Option { return func(c *config) { c.replicas = max(n, 1) } }

// WithRoomLimits bounds each room's stored history: at most maxMsgs messages
// (default 100000, <= 0 for no limit) no older than maxAge (default 0: no age
// limit). Older messages are dropped; sequences keep counting.
func WithRoomLimits(maxMsgs int64, maxAge time.Duration) Option {
	return func(c *config) { c.maxMsgs, c.maxAge = maxMsgs, maxAge }
}

// WithPublishAttempts sets how many times Publish tries to append a message
// when other publishers keep taking the room's next sequence first (default
// 100); past that it returns ErrConflict.
func WithPublishAttempts(n int) Option { return func(c *config) { c.attempts = max(n, 1) } }

// WithTimeout bounds each NATS request made with a context that has no
// deadline, and those made by calls that take no context (Subscribe,
// SubscribeAfter, Close) (default 5s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithLogger sets the logger of the Broker's connection events: NATS
// lost, reconnected or closed, and what it restored after a reconnect
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock replaces time.Now for the time given to build and for
// presence join times.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Broker is a hub.Broker on NATS JetStream: each room is one stream with one
// subject, so the stream sequence is the room's sequence, consecutive and the
// same on every node. It also replays history (History, SubscribeAfter) and
// tracks presence across nodes (Presence). All methods are safe for
// concurrent use.
type Broker struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	cfg      config
	presence *Presence

	// The connection watcher: status receives nc's status changes, stop
	// ends the watcher, watchDone is closed when it has.
	status    chan nats.Status
	stop      chan struct{}
	watchDone chan struct{}

	published, conflicts atomic.Int64

	mu     sync.Mutex
	rooms  map[string]*room
	subs   map[int]func()
	nextID int
	closed bool
}

// room is what a Broker knows about one room's stream.
type room struct {
	name    string
	stream  string
	subject string

	// mu serialises this node's publishers of the room, so that they do not
	// conflict with each other, only with other nodes.
	mu      sync.Mutex
	s       jetstream.Stream
	last    uint64
	hasLast bool

	// delivered is the highest sequence a subscription of this node
	// delivered: what this node knows of the room's sequence when it never
	// published to it (see restoreAfterReconnect).
	delivered atomic.Uint64
}

var (
	_ hub.HistoryBroker  = (*Broker)(nil)
	_ hub.PresenceBroker = (*Broker)(nil)
)

// New returns a Broker that publishes and subscribes through nc, which must
// reach a NATS server (or cluster) with JetStream enabled. It creates the
// presence bucket if needed and starts the presence watcher, so it needs the
// server to be reachable. The caller keeps ownership of nc and must call
// Close before closing it.
func New(nc *nats.Conn, opts ...Option) (*Broker, error) {
	cfg := config{
		streamPrefix:    "DUPLEX_ROOM_",
		subjectPrefix:   "duplex.room",
		storage:         jetstream.FileStorage,
		replicas:        1,
		maxMsgs:         100000,
		attempts:        100,
		timeout:         5 * time.Second,
		now:             time.Now,
		presenceTimeout: 10 * time.Second,
		presenceBucket:  "duplex_presence",
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.nodeID == "" {
		cfg.nodeID = nuid.Next()
	}
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(cfg.timeout))
	if err != nil {
		return nil, fmt.Errorf("natsbroker: jetstream: %w", err)
	}
	b := &Broker{nc: nc, js: js, cfg: cfg, rooms: make(map[string]*room), subs: make(map[int]func())}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	if b.presence, err = newPresence(ctx, js, cfg); err != nil {
		return nil, fmt.Errorf("natsbroker: %w", err)
	}
	b.status = nc.StatusChanged(nats.CONNECTED, nats.RECONNECTING, nats.DISCONNECTED, nats.CLOSED)
	b.stop, b.watchDone = make(chan struct{}), make(chan struct{})
	go b.watchConnection()
	return b, nil
}

// NodeID returns the id this Broker's presence entries carry (see
// WithNodeID).
func (b *Broker) NodeID() string { return b.cfg.nodeID }

// Presence returns the Broker's cross-node presence.
func (b *Broker) Presence() *Presence { return b.presence }

// Join implements hub.PresenceBroker with Presence().Join.
func (b *Broker) Join(ctx context.Context, roomName, member string, info hub.PresenceInfo) error {
	return b.presence.Join(ctx, roomName, member, info)
}

// Leave implements hub.PresenceBroker with Presence().Leave.
func (b *Broker) Leave(ctx context.Context, roomName, member string) error {
	return b.presence.Leave(ctx, roomName, member)
}

// Members implements hub.PresenceBroker with Presence().Members.
func (b *Broker) Members(roomName string) []hub.PresenceMember { return b.presence.Members(roomName) }

// Watch implements hub.PresenceBroker with Presence().Watch.
func (b *Broker) Watch(roomName string, fn func(hub.PresenceEvent)) (cancel func()) {
	return b.presence.Watch(roomName, fn)
}

// Subject returns the NATS subject room's messages are published on.
func (b *Broker) Subject(roomName string) string { return b.cfg.subjectPrefix + "." + token(roomName) }

// Stream returns the name of room's JetStream stream.
func (b *Broker) Stream(roomName string) string { return b.cfg.streamPrefix + token(roomName) }

// room returns the room called name; with create, its stream is created if
// it does not exist yet, otherwise a missing stream leaves r.s nil.
func (b *Broker) room(ctx context.Context, name string, create bool) (*room, error) {
	if name == "" {
		return nil, hub.ErrEmptyRoom
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	r := b.rooms[name]
	if r == nil {
		r = &room{name: name, stream: b.Stream(name), subject: b.Subject(name)}
		b.rooms[name] = r
	}
	b.mu.Unlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s != nil {
		return r, nil
	}
	s, err := b.js.Stream(ctx, r.stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound) && create:
		s, err = b.js.CreateStream(ctx, b.streamConfig(r))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Another node created it first, with another configuration.
			s, err = b.js.Stream(ctx, r.stream)
		}
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", r.stream, err)
	}
	r.s = s
	return r, nil
}

func (b *Broker) streamConfig(r *room) jetstream.StreamConfig {
	maxMsgs := b.cfg.maxMsgs
	if maxMsgs <= 0 {
		maxMsgs = -1
	}
	return jetstream.StreamConfig{
		Name:        r.stream,
		Description: "duplex room " + r.name,
		Subjects:    []string{r.subject},
		Storage:     b.cfg.storage,
		Replicas:    b.cfg.replicas,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxMsgs:     maxMsgs,
		MaxAge:      b.cfg.maxAge,
		AllowDirect: true,
		// A stream created again after the server lost it (memory storage)
		// continues the sequence this node last knew instead of restarting
		// at 1; r.mu is held.
		FirstSeq: r.last + 1,
	}
}

// forgetMissingLocked drops the room's stream handle when err says the
// server does not have the stream (any more), so that the next use looks
// it up or creates it again; r.last is kept, for the new stream's first
// sequence. It reports whether it did; r.mu must be held.
func (r *room) forgetMissingLocked(err error) bool {
	if !bucketMissing(err) {
		return false
	}
	r.s = nil
	return true
}

// lastSeq reads the stream's last sequence; r.mu must be held.
func (r *room) lastSeqLocked(ctx context.Context) (uint64, error) {
	if r.s == nil {
		// Forgotten since room returned it (a reconnect): the caller
		// retries, and room looks the stream up again.
		return 0, fmt.Errorf("stream %s: %w", r.stream, jetstream.ErrStreamNotFound)
	}
	info, err := r.s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s info: %w", r.stream, err)
	}
	return info.State.LastSeq, nil
}

// Publish implements hub.Broker. It appends the message with the header
// Nats-Expected-Last-Sequence set to the last sequence it knows; when
// another node appended first, it learns the new last sequence and calls
// build again. When an acknowledgement times out before ctx is done it
// tries again with the same Nats-Msg-Id, so a message that was stored is
// not stored twice (within the stream's two-minute duplicate window). Give
// ctx a deadline: without one, each attempt waits up to WithTimeout.
//
// A ctx from hub.WithMessageID gives the message that id instead: a
// second Publish with it (a client's retry, on this node or another) stores
// nothing and returns the first message's sequence.
func (b *Broker) Publish(ctx context.Context, roomName string, build func(seq int64, at time.Time) (hub.Envelope, error)) (int64, error) {
	seq, err := b.publish(ctx, roomName, build)
	if bucketMissing(err) {
		// The server lost the room's stream (a restart with memory
		// storage): the next attempt creates it again.
		seq, err = b.publish(ctx, roomName, build)
	}
	return seq, err
}

func (b *Broker) publish(ctx context.Context, roomName string, build func(seq int64, at time.Time) (hub.Envelope, error)) (int64, error) {
	r, err := b.room(ctx, roomName, true)
	if err != nil {
		return 0, fmt.Errorf("publish to %q: %w", roomName, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.hasLast {
		last, err := r.lastSeqLocked(ctx)
		if err != nil {
			r.forgetMissingLocked(err)
			return 0, fmt.Errorf("publish to %q: %w", roomName, err)
		}
		r.last, r.hasLast = last, true
	}
	// A caller's id (hub.WithMessageID) makes a retried request a
	// duplicate JetStream drops, as our own retries below are.
	msgID := hub.MessageID(ctx)
	if msgID == "" {
		msgID = nuid.Next()
	}
	for range b.cfg.attempts {
		seq, at := r.last+1, b.cfg.now()
		env, err := build(int64(seq), at)
		if err != nil {
			return 0, fmt.Errorf("publish to %q: %w", roomName, err)
		}
		msg := nats.NewMsg(r.subject)
		msg.Data = env.Data
		msg.Header.Set(TimeHeader, at.Format(time.RFC3339Nano))
		ack, err := b.js.PublishMsg(ctx, msg,
			jetstream.WithExpectStream(r.stream),
			jetstream.WithExpectLastSequence(r.last),
			jetstream.WithMsgID(msgID))
		if err == nil {
			// A duplicate's sequence is that of the message first stored,
			// which may be older than the last.
			r.last = max(r.last, ack.Sequence)
			b.published.Add(1)
			return int64(ack.Sequence), nil
		}
		current, conflict := wrongLastSequence(err)
		if !conflict && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)) {
			// The acknowledgement timed out (nats.go's default timeout, not
			// ctx): the message may be stored. The retry carries the same
			// Nats-Msg-Id, so the server answers with the stored message's
			// sequence instead of storing it twice.
			continue
		}
		if !conflict {
			if !r.forgetMissingLocked(err) {
				r.hasLast = false
			}
			return 0, fmt.Errorf("publish to %q: %w", roomName, err)
		}
		b.conflicts.Add(1)
		if current > r.last {
			r.last = current
			continue
		}
		// A replicated stream does not say which sequence it has.
		if r.last, err = r.lastSeqLocked(ctx); err != nil {
			r.hasLast = false
			return 0, fmt.Errorf("publish to %q: %w", roomName, err)
		}
	}
	return 0, fmt.Errorf("publish to %q after %d attempts: %w", roomName, b.cfg.attempts, ErrConflict)
}

// wrongLastSequence tells whether err is JetStream refusing a publish
// because the stream's last sequence is not the expected one and, when the
// server says (a single-replica stream: "wrong last sequence: 42"), which
// sequence the stream has, saving a round trip to read it.
func wrongLastSequence(err error) (current uint64, ok bool) {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return 0, false
	}
	switch apiErr.ErrorCode {
	case jetstream.JSErrCodeStreamWrongLastSequence:
		n, perr := strconv.ParseUint(strings.TrimPrefix(apiErr.Description, "wrong last sequence: "), 10, 64)
		if perr != nil {
			return 0, true
		}
		return n, true
	case jetstream.JSErrCodeStreamWrongLastSequenceConstant:
		return 0, true
	}
	return 0, false
}

// Subscribe implements hub.Broker: deliver receives every message published
// to room after the call, in sequence order, one call at a time, from an
// ordered JetStream consumer that recovers from gaps and reconnections by
// itself. cancel stops the consumer and returns when deliver will not be
// called again; it must not be called from deliver.
func (b *Broker) Subscribe(roomName string, deliver func(hub.Envelope)) (cancel func(), err error) {
	ctx, stop := context.WithTimeout(context.Background(), b.cfg.timeout)
	defer stop()
	for attempt := 0; ; attempt++ {
		r, err := b.room(ctx, roomName, true)
		if err != nil {
			return nil, fmt.Errorf("subscribe to %q: %w", roomName, err)
		}
		r.mu.Lock()
		last, err := r.lastSeqLocked(ctx)
		missing := err != nil && r.forgetMissingLocked(err)
		r.mu.Unlock()
		if missing && attempt == 0 {
			continue // the server lost the stream: create it again
		}
		if err != nil {
			return nil, fmt.Errorf("subscribe to %q: %w", roomName, err)
		}
		return b.subscribe(ctx, r, int64(last), deliver)
	}
}

// SubscribeAfter is Subscribe starting after sequence after instead of
// after the room's last message: deliver first receives the stored messages
// with a greater sequence (those the room's limits still keep), then every
// new one, with no gap and no duplicate. A client that reconnects to another
// node resumes with it from the last sequence it saw.
func (b *Broker) SubscribeAfter(roomName string, after int64, deliver func(hub.Envelope)) (cancel func(), err error) {
	ctx, stop := context.WithTimeout(context.Background(), b.cfg.timeout)
	defer stop()
	for attempt := 0; ; attempt++ {
		r, err := b.room(ctx, roomName, true)
		if err != nil {
			return nil, fmt.Errorf("subscribe to %q after %d: %w", roomName, after, err)
		}
		cancel, err := b.subscribe(ctx, r, max(after, 0), deliver)
		if err != nil && attempt == 0 {
			r.mu.Lock()
			missing := r.forgetMissingLocked(err)
			r.mu.Unlock()
			if missing {
				continue // the server lost the stream: create it again
			}
		}
		return cancel, err
	}
}

func (b *Broker) subscribe(ctx context.Context, r *room, after int64, deliver func(hub.Envelope)) (func(), error) {
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	if s == nil {
		return nil, fmt.Errorf("subscribe to %q: %w", r.name, jetstream.ErrStreamNotFound)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       uint64(after) + 1,
		InactiveThreshold: consumerInactiveThreshold,
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: consumer: %w", r.name, err)
	}
	// The ordered consumer already delivers in order; the lock and the
	// sequence check keep "one call at a time, each message once" even
	// while it replaces its server-side consumer after an error, when the
	// old and new subscriptions may overlap for a moment.
	// stopped, set under the same lock by cancel, makes cancel wait for a
	// running deliver and keeps later ones from starting: nats.go's Closed
	// channel does not wait for a running message handler.
	var mu sync.Mutex
	lastSeq, stopped := after, false
	cc, err := cons.Consume(func(m jetstream.Msg) {
		env, err := envelope(r.name, m)
		if err != nil {
			return // no JetStream metadata: not a stream message
		}
		mu.Lock()
		defer mu.Unlock()
		if stopped || env.Seq <= lastSeq {
			return
		}
		lastSeq = env.Seq
		if d := uint64(env.Seq); d > r.delivered.Load() {
			r.delivered.Store(d) // only this consumer's callback stores, one call at a time
		}
		deliver(env)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: consume: %w", r.name, err)
	}
	var once sync.Once
	b.mu.Lock()
	if b.closed {
		// Close ran while the consumer was being created.
		b.mu.Unlock()
		cc.Stop()
		<-cc.Closed()
		return nil, fmt.Errorf("subscribe to %q: %w", r.name, ErrClosed)
	}
	id := b.nextID
	b.nextID++
	cancel := func() {
		once.Do(func() {
			cc.Stop()
			mu.Lock()
			stopped = true
			mu.Unlock()
			<-cc.Closed()
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
		})
	}
	b.subs[id] = cancel
	b.mu.Unlock()
	return cancel, nil
}

// envelope turns a stream message into the Envelope it was published as.
func envelope(roomName string, m jetstream.Msg) (hub.Envelope, error) {
	md, err := m.Metadata()
	if err != nil {
		return hub.Envelope{}, fmt.Errorf("message metadata: %w", err)
	}
	at := md.Timestamp
	if h := m.Headers().Get(TimeHeader); h != "" {
		if t, err := time.Parse(time.RFC3339Nano, h); err == nil {
			at = t
		}
	}
	return hub.Envelope{Room: roomName, Seq: int64(md.Sequence.Stream), Time: at, Data: m.Data()}, nil
}

// History returns up to limit stored messages of room with a sequence
// above after, oldest first (limit <= 0: all of them up to the room's last
// message when History was called). Messages dropped by the room's limits
// are not returned, so the first Seq may be greater than after+1. A room
// that was never published to has no history and no error.
func (b *Broker) History(ctx context.Context, roomName string, after int64, limit int) ([]hub.Envelope, error) {
	r, err := b.room(ctx, roomName, false)
	if err != nil {
		return nil, fmt.Errorf("history of %q: %w", roomName, err)
	}
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	if s == nil {
		return nil, nil
	}
	info, err := s.Info(ctx)
	if err != nil {
		r.mu.Lock()
		missing := r.forgetMissingLocked(err)
		r.mu.Unlock()
		if missing {
			return nil, nil // the server lost the stream, and its history
		}
		return nil, fmt.Errorf("history of %q: stream info: %w", roomName, err)
	}
	first, last := info.State.FirstSeq, info.State.LastSeq
	start := max(uint64(max(after, 0))+1, first)
	if info.State.Msgs == 0 || start > last {
		return nil, nil
	}
	end := last
	if limit > 0 && end-start+1 > uint64(limit) {
		end = start + uint64(limit) - 1
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		InactiveThreshold: consumerInactiveThreshold,
	})
	if err != nil {
		return nil, fmt.Errorf("history of %q: consumer: %w", roomName, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(int(min(end-start+1, 256))))
	if err != nil {
		return nil, fmt.Errorf("history of %q: %w", roomName, err)
	}
	defer it.Stop()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.cfg.timeout)
		defer cancel()
	}
	out := make([]hub.Envelope, 0, end-start+1)
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return out, fmt.Errorf("history of %q: after %d of %d messages: %w", roomName, len(out), end-start+1, err)
		}
		env, err := envelope(roomName, m)
		if err != nil {
			continue
		}
		if uint64(env.Seq) > end {
			return out, nil
		}
		out = append(out, env)
		if uint64(env.Seq) == end {
			return out, nil
		}
	}
}

// LastSeq returns the sequence of the last message published to room, 0 if
// none was.
func (b *Broker) LastSeq(ctx context.Context, roomName string) (int64, error) {
	r, err := b.room(ctx, roomName, false)
	if err != nil {
		return 0, fmt.Errorf("last sequence of %q: %w", roomName, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s == nil {
		return 0, nil
	}
	last, err := r.lastSeqLocked(ctx)
	if err != nil {
		return 0, fmt.Errorf("last sequence of %q: %w", roomName, err)
	}
	return int64(last), nil
}

// Stats are a Broker's counters since New.
type Stats struct {
	// Published counts messages this Broker appended.
	Published int64
	// Conflicts counts publish attempts refused because another node had
	// appended to the room since this Broker last read its sequence; each
	// cost one more round trip to read the sequence and one more to publish.
	Conflicts int64
}

// Stats returns the Broker's counters.
func (b *Broker) Stats() Stats {
	return Stats{Published: b.published.Load(), Conflicts: b.conflicts.Load()}
}

// Close stops every subscription still open and the presence heartbeat and
// watcher, removes this node's presence entries (when the connection still
// works), and makes later calls fail with ErrClosed. It does not close the
// NATS connection or delete any stream.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.stop)
	cancels := make([]func(), 0, len(b.subs))
	for _, c := range b.subs {
		cancels = append(cancels, c)
	}
	b.mu.Unlock()
	b.nc.RemoveStatusListener(b.status)
	<-b.watchDone
	for _, c := range cancels {
		c()
	}
	return b.presence.close(b.cfg.timeout)
}
