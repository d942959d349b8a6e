package natsbroker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"duplex.dev/hub"
)

// WithNodeID names this node in presence entries (default: a random id per
// Broker). Use a stable, unique name per chatd process, such as its host
// name and port.
func WithNodeID(id string) Option { return func(c *config) { c.nodeID = id } }

// WithPresenceTimeout sets how long a member of a node that stopped
// refreshing its entries (a node that died or lost NATS) stays in other
// nodes' presence: its entries expire between 2/3 of the timeout and the
// timeout after its last refresh (default 10s, at least 1s). The first
// node that creates the presence bucket fixes the timeout for all nodes;
// the others use the bucket's.
func WithPresenceTimeout(d time.Duration) Option { return func(c *config) { c.presenceTimeout = d } }

// WithPresenceBucket sets the name of the JetStream key-value bucket that
// holds presence (default "duplex_presence").
func WithPresenceBucket(name string) Option { return func(c *config) { c.presenceBucket = name } }

// entry is one member's record in the presence bucket.
type entry struct {
	Room     string           `json:"room"`
	ID       string           `json:"id"`
	Node     string           `json:"node"`
	Info     hub.PresenceInfo `json:"info"`
	JoinedAt time.Time        `json:"joined_at"`
}

func (e entry) member() hub.PresenceMember {
	return hub.PresenceMember{ID: e.ID, Info: e.Info, JoinedAt: e.JoinedAt, Node: e.Node}
}

// Presence tracks the members of every room across all nodes sharing one
// NATS system; the Broker's Join, Leave, Members and Watch (its
// hub.PresenceBroker methods) use it. Each member is one entry in a JetStream key-value bucket
// whose entries live for the presence timeout; the member's node refreshes
// its entries every third of the timeout, so the entries of a node that
// dies expire and every other node sees a leave event with Expired set
// (hub.PresenceEvent.Expired).
// Every node watches the whole bucket, so Members answers from memory and
// all nodes see events in the same order.
type Presence struct {
	js      jetstream.JetStream
	kvCfg   jetstream.KeyValueConfig
	node    string
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger

	stop          chan struct{}
	heartbeatDone chan struct{}

	// healthy is false from a lost connection or a missing bucket until
	// restore has put the bucket, the watcher and this node's entries back.
	healthy atomic.Bool
	// restoreMu serialises restore; generation counts its successes, so
	// that callers that failed before one do not restore again.
	restoreMu  sync.Mutex
	generation atomic.Uint64

	mu         sync.Mutex
	kv         jetstream.KeyValue
	stopWatch  context.CancelFunc // of the current watcher
	readerDone chan struct{}      // of the current watcher's reader
	closed     bool
	local      map[string]*localEntry      // this node's entries, by key
	byKey      map[string]entry            // every node's entries, by key
	rooms      map[string]map[string]entry // room → member ID → member
	stale      map[string]time.Time        // keys not seen since a restore → when they expire
	watchers   map[int]watcher
	nextID     int
}

type localEntry struct {
	key  string
	data []byte
	rev  uint64 // 0 while the first Put is in flight
}

type watcher struct {
	room string
	fn   func(hub.PresenceEvent)
}

func newPresence(ctx context.Context, js jetstream.JetStream, cfg config) (*Presence, error) {
	if cfg.presenceTimeout < time.Second {
		return nil, fmt.Errorf("presence timeout %v: must be at least 1s", cfg.presenceTimeout)
	}
	p := &Presence{
		js: js,
		kvCfg: jetstream.KeyValueConfig{
			Bucket:         cfg.presenceBucket,
			Description:    "duplex presence",
			History:        1,
			TTL:            cfg.presenceTimeout,
			LimitMarkerTTL: cfg.presenceTimeout,
			Storage:        jetstream.MemoryStorage,
			Replicas:       cfg.replicas,
		},
		node:          cfg.nodeID,
		timeout:       cfg.presenceTimeout,
		now:           cfg.now,
		log:           cfg.logger,
		stop:          make(chan struct{}),
		heartbeatDone: make(chan struct{}),
		local:         make(map[string]*localEntry),
		byKey:         make(map[string]entry),
		rooms:         make(map[string]map[string]entry),
		stale:         make(map[string]time.Time),
		watchers:      make(map[int]watcher),
	}
	kv, err := p.openBucket(ctx)
	if err != nil {
		return nil, err
	}
	// The bucket's age limit is the timeout that counts, whoever created
	// it: refreshing at a third of a longer one would let entries expire.
	status, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("presence bucket %s status: %w", cfg.presenceBucket, err)
	}
	if ttl := status.TTL(); ttl > 0 {
		// Also the timeout of the bucket restore creates again.
		p.timeout, p.kvCfg.TTL, p.kvCfg.LimitMarkerTTL = ttl, ttl, ttl
	}
	p.kv = kv
	if err := p.watch(ctx, kv, false); err != nil {
		return nil, err
	}
	p.healthy.Store(true)
	go p.heartbeat()
	return p, nil
}

// openBucket creates the presence bucket, or binds to it if it exists.
// The bucket is in memory: a NATS server that restarts loses it, and
// restore creates it again.
func (p *Presence) openBucket(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := p.js.CreateKeyValue(ctx, p.kvCfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = p.js.KeyValue(ctx, p.kvCfg.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("presence bucket %s: %w", p.kvCfg.Bucket, err)
	}
	return kv, nil
}

// watch starts a watcher of the whole bucket and its reader, replacing
// (and stopping) the current one, and returns once the reader has applied
// the bucket's current values. After a restore (resync), entries the
// bucket no longer holds become stale: they leave, as expired, unless
// their node puts them back within the presence timeout.
func (p *Presence) watch(ctx context.Context, kv jetstream.KeyValue, resync bool) error {
	// The watcher outlives ctx, which only bounds the call; nats.go ends
	// the watcher's subscription, and a goroutine waiting for it, when
	// watchCtx is cancelled.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	w, err := kv.WatchAll(watchCtx)
	if err != nil {
		stopWatch()
		return fmt.Errorf("watch presence bucket %s: %w", p.kvCfg.Bucket, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		stopWatch()
		return ErrClosed
	}
	oldStop, oldDone := p.stopWatch, p.readerDone
	p.stopWatch, p.readerDone = stopWatch, done
	p.mu.Unlock()
	if oldStop != nil {
		oldStop()
		<-oldDone
	}
	synced := make(chan struct{})
	go p.read(w, done, synced, resync)
	select {
	case <-synced:
		return nil
	case <-done:
		return fmt.Errorf("presence bucket %s: watcher stopped before its initial values", p.kvCfg.Bucket)
	case <-ctx.Done():
		return fmt.Errorf("presence bucket %s: initial values: %w", p.kvCfg.Bucket, ctx.Err())
	}
}

// bucket returns the current presence bucket.
func (p *Presence) bucket() jetstream.KeyValue {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kv
}

// bucketMissing tells whether err means that the presence bucket (or a
// room's stream) is not on the server: nothing answers its subject.
func bucketMissing(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound)
}

// restore puts back what a NATS server that lost its state (a restart of
// a server without the bucket's memory storage) no longer has: the bucket,
// the watcher (whose consumer went with it) and this node's entries. It
// does nothing when another restore succeeded since the caller saw
// generation seen. It is safe to call from several goroutines.
func (p *Presence) restore(ctx context.Context, seen uint64) error {
	p.restoreMu.Lock()
	defer p.restoreMu.Unlock()
	if p.generation.Load() != seen {
		return nil
	}
	p.healthy.Store(false)
	kv, err := p.openBucket(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.kv = kv
	p.mu.Unlock()
	if err := p.watch(ctx, kv, true); err != nil {
		return err
	}
	entries := p.stored()
	for _, e := range entries {
		rev, err := kv.Put(ctx, e.key, e.data)
		if err != nil {
			return fmt.Errorf("presence: put back %s: %w", e.key, err)
		}
		p.putDone(ctx, e, rev)
	}
	p.generation.Add(1)
	p.healthy.Store(true)
	p.log.Info("natsbroker: presence restored", "bucket", p.kvCfg.Bucket, "entries", len(entries))
	return nil
}

func presenceKey(roomName, member string) string { return token(roomName) + "." + token(member) }

// Join records member as present in room on this node, with info, and
// keeps the record alive until Leave or Close. Every node's watchers see a
// join event. Member IDs must be unique within a room across all nodes
// (connection ids are); joining twice through the same node without
// leaving returns hub.ErrDuplicateMember.
func (p *Presence) Join(ctx context.Context, roomName, member string, info hub.PresenceInfo) error {
	if roomName == "" {
		return hub.ErrEmptyRoom
	}
	key := presenceKey(roomName, member)
	data, err := json.Marshal(entry{Room: roomName, ID: member, Node: p.node, Info: info, JoinedAt: p.now()})
	if err != nil {
		return fmt.Errorf("presence join %q as %q: %w", roomName, member, err)
	}
	e := &localEntry{key: key, data: data}
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		return ErrClosed
	case p.local[key] != nil:
		p.mu.Unlock()
		return fmt.Errorf("presence join %q as %q: %w", roomName, member, hub.ErrDuplicateMember)
	}
	p.local[key] = e
	p.mu.Unlock()

	gen := p.generation.Load()
	rev, err := p.bucket().Put(ctx, key, data)
	if bucketMissing(err) {
		// The server lost the bucket (a restart): put it back, then retry.
		if rerr := p.restore(ctx, gen); rerr != nil {
			err = fmt.Errorf("%w (restoring the presence bucket: %v)", err, rerr)
		} else {
			rev, err = p.bucket().Put(ctx, key, data)
		}
	}
	p.mu.Lock()
	still := p.local[key] == e
	switch {
	case err != nil && still:
		delete(p.local, key)
	case err == nil && still:
		e.rev = rev
	}
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("presence join %q as %q: %w", roomName, member, err)
	}
	if !still {
		// Leave or Close ran while the Put was in flight.
		p.remove(ctx, key, rev)
	}
	return nil
}

// Leave removes member from room's presence if it joined through this
// node; every node's watchers see a leave event. Leaving a room one is not
// in does nothing.
func (p *Presence) Leave(ctx context.Context, roomName, member string) error {
	key := presenceKey(roomName, member)
	p.mu.Lock()
	e := p.local[key]
	delete(p.local, key)
	rev := uint64(0)
	if e != nil {
		rev = e.rev
	}
	p.mu.Unlock()
	if rev == 0 {
		return nil // not joined here, or Join will remove it when its Put returns
	}
	if err := p.remove(ctx, key, rev); err != nil {
		return fmt.Errorf("presence leave %q as %q: %w", roomName, member, err)
	}
	return nil
}

// remove deletes key if it is still at revision rev. A newer revision means
// a heartbeat refreshed it concurrently; that heartbeat sees the entry gone
// and removes it itself.
func (p *Presence) remove(ctx context.Context, key string, rev uint64) error {
	err := p.bucket().Delete(ctx, key, jetstream.LastRevision(rev))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return nil
	}
	return err
}

// Members returns the members of room on every node, sorted by ID, with
// the node each joined through.
func (p *Presence) Members(roomName string) []hub.PresenceMember {
	p.mu.Lock()
	out := make([]hub.PresenceMember, 0, len(p.rooms[roomName]))
	for _, m := range p.rooms[roomName] {
		out = append(out, m.member())
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b hub.PresenceMember) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Watch calls fn for each join and leave in room ("" for every room) on
// any node, from now on, one call at a time and in the same order on every
// node. fn runs on the presence watcher and must return quickly. cancel
// stops the calls; a call already running may finish after cancel returns.
func (p *Presence) Watch(roomName string, fn func(hub.PresenceEvent)) (cancel func()) {
	p.mu.Lock()
	id := p.nextID
	p.nextID++
	p.watchers[id] = watcher{room: roomName, fn: fn}
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		delete(p.watchers, id)
		p.mu.Unlock()
	}
}

// read applies w's updates until w stops, then closes done. It closes
// synced once the bucket's current values are applied; with resync, keys
// known before but absent from those values become stale. It also expires
// stale keys, so that every presence event is dispatched from one reader.
func (p *Presence) read(w jetstream.KeyWatcher, done chan<- struct{}, synced chan<- struct{}, resync bool) {
	defer close(done)
	var seen map[string]bool
	if resync {
		seen = make(map[string]bool)
	}
	tick := time.NewTicker(max(p.timeout/3, 100*time.Millisecond))
	defer tick.Stop()
	updates := w.Updates()
	for {
		select {
		case e, ok := <-updates:
			if !ok {
				return
			}
			if e == nil {
				if seen != nil {
					p.markStale(seen)
					seen = nil
				}
				if synced != nil {
					close(synced)
					synced = nil
				}
				continue
			}
			if seen != nil {
				seen[e.Key()] = true
			}
			p.apply(e)
		case <-tick.C:
			p.expireStale()
		}
	}
}

// markStale gives every known key that seen lacks one presence timeout
// to be put back by its node.
func (p *Presence) markStale(seen map[string]bool) {
	deadline := p.now().Add(p.timeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	for key := range p.byKey {
		if !seen[key] {
			p.stale[key] = deadline
		}
	}
}

// expireStale removes the stale keys whose node did not put them back in
// time, as expired members.
func (p *Presence) expireStale() {
	now := p.now()
	p.mu.Lock()
	var expired []string
	for key, deadline := range p.stale {
		if now.After(deadline) {
			expired = append(expired, key)
		}
	}
	p.mu.Unlock()
	for _, key := range expired {
		p.leave(key, true, now)
	}
}

func (p *Presence) apply(e jetstream.KeyValueEntry) {
	key := e.Key()
	if e.Operation() != jetstream.KeyValuePut {
		// KeyValueDelete (Leave) or KeyValuePurge (expiry marker)
		p.leave(key, e.Operation() == jetstream.KeyValuePurge, e.Created())
		return
	}
	var m entry
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return // not an entry this package wrote
	}
	p.mu.Lock()
	_, known := p.byKey[key]
	delete(p.stale, key)
	p.byKey[key] = m
	if p.rooms[m.Room] == nil {
		p.rooms[m.Room] = make(map[string]entry)
	}
	p.rooms[m.Room][m.ID] = m
	if known {
		p.mu.Unlock()
		return // a heartbeat, or an entry put back after a restore
	}
	p.dispatchLocked(hub.PresenceEvent{Type: hub.EventJoin, Room: m.Room, Member: m.ID, Info: m.Info, Time: e.Created(), Node: m.Node})
}

// leave removes key, if known, and tells the watchers; expired is for an
// entry whose node stopped refreshing it.
func (p *Presence) leave(key string, expired bool, at time.Time) {
	p.mu.Lock()
	prev, known := p.byKey[key]
	if !known {
		p.mu.Unlock()
		return
	}
	delete(p.byKey, key)
	delete(p.stale, key)
	if members := p.rooms[prev.Room]; members[prev.ID].Node == prev.Node {
		delete(members, prev.ID)
		if len(members) == 0 {
			delete(p.rooms, prev.Room)
		}
	}
	p.dispatchLocked(hub.PresenceEvent{
		Type: hub.EventLeave, Room: prev.Room, Member: prev.ID, Info: prev.Info, Time: at,
		Node: prev.Node, Expired: expired,
	})
}

// dispatchLocked calls the watchers of ev's room with ev; p.mu is held on
// entry and released before the calls.
func (p *Presence) dispatchLocked(ev hub.PresenceEvent) {
	var fns []func(hub.PresenceEvent)
	for _, w := range p.watchers {
		if w.room == "" || w.room == ev.Room {
			fns = append(fns, w.fn)
		}
	}
	p.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

// heartbeat refreshes this node's entries every third of the timeout.
func (p *Presence) heartbeat() {
	defer close(p.heartbeatDone)
	t := time.NewTicker(p.timeout / 3)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.refresh()
		}
	}
}

// putDone records that e was put at revision rev, or removes that entry
// again when the member left meanwhile (best effort: the entry expires
// anyway).
func (p *Presence) putDone(ctx context.Context, e *localEntry, rev uint64) {
	p.mu.Lock()
	still := p.local[e.key] == e
	if still {
		e.rev = rev
	}
	p.mu.Unlock()
	if !still {
		_ = p.remove(ctx, e.key, rev)
	}
}

// stored returns this node's entries that are in the bucket (put at least
// once).
func (p *Presence) stored() []*localEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	entries := make([]*localEntry, 0, len(p.local))
	for _, e := range p.local {
		if e.rev != 0 {
			entries = append(entries, e)
		}
	}
	return entries
}

func (p *Presence) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout/3)
	defer cancel()
	for _, e := range p.stored() {
		select {
		case <-p.stop:
			return
		default:
		}
		gen := p.generation.Load()
		rev, err := p.bucket().Put(ctx, e.key, e.data)
		if bucketMissing(err) {
			// The server lost the bucket: restore puts it back with every
			// entry of this node.
			if err := p.restore(ctx, gen); err != nil {
				p.log.Warn("natsbroker: presence bucket missing, restoring it failed; retrying at the next refresh", "bucket", p.kvCfg.Bucket, "err", err)
			}
			return
		}
		if err != nil {
			// The connection is down or slow: the entry may expire, and the
			// next successful refresh announces the member again.
			continue
		}
		p.putDone(ctx, e, rev)
	}
}

// close stops the heartbeat, deletes this node's entries (best effort,
// within timeout) and stops the watcher.
func (p *Presence) close(timeout time.Duration) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	entries := make([]*localEntry, 0, len(p.local))
	for _, e := range p.local {
		if e.rev != 0 {
			entries = append(entries, e)
		}
	}
	clear(p.local)
	p.mu.Unlock()
	close(p.stop)
	<-p.heartbeatDone

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, e := range entries {
		err := p.remove(ctx, e.key, e.rev)
		if errors.Is(err, nats.ErrConnectionClosed) {
			break // the entries expire instead
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("presence: remove %s: %w", e.key, err))
		}
	}
	p.mu.Lock()
	stopWatch, readerDone := p.stopWatch, p.readerDone
	p.mu.Unlock()
	stopWatch()
	<-readerDone
	return errors.Join(errs...)
}
