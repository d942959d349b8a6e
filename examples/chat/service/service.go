package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/hub"
)

// Config configures a Service. JWTSecret is required; the zero value of
// every other field has a working default.
type Config struct {
	// JWTSecret signs and verifies the HS256 tokens login issues.
	JWTSecret []byte
	// Users maps user names to passwords; nil means DemoUsers.
	Users map[string]string
	// TokenTTL is how long a token is valid (default 24h).
	TokenTTL time.Duration
	// Hub holds the rooms; nil means a new in-memory Hub that Close closes.
	// A Hub passed here must have been created with HubOptions.
	Hub *hub.Hub
	// CatchUp is how many recent messages join sends before the live ones
	// (default 50).
	CatchUp int
	// AnalyticsInterval is the time between two analytics snapshots
	// (default 2s).
	AnalyticsInterval time.Duration
	// Connections reports the open WebSocket connections for analytics
	// (for example ws.Server.Len); nil reports 0.
	Connections func() int
	// Logger receives connection events (not every message); nil means
	// slog.Default().
	Logger *slog.Logger
	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// Service implements chat.Service and chat.Auther.
type Service struct {
	secret      []byte
	users       map[string]string
	tokenTTL    time.Duration
	hub         *hub.Hub
	ownHub      bool
	catchUp     int
	interval    time.Duration
	connections func() int
	log         *slog.Logger
	now         func() time.Time
	rate        *rateCounter
}

var (
	_ chat.Service = (*Service)(nil)
	_ chat.Auther  = (*Service)(nil)
)

// activityRoom is the hub room subscribe streams listen on. Its name starts
// with '#', like every room the server keeps for its own feeds: join, send
// and history refuse those (reservedRoom), so no client can post a value
// of another type to the feed or read it as room events.
const activityRoom = "#activity"

// reservedPrefix starts the names of the rooms reserved for the server.
const reservedPrefix = "#"

// reservedRoom returns the 403 error for a room reserved for the server's
// feeds, nil for any other room.
func reservedRoom(room string) error {
	if !strings.HasPrefix(room, reservedPrefix) {
		return nil
	}
	msg := fmt.Sprintf("room %q is reserved for the server's own feeds (names starting with %q): choose another name", room, reservedPrefix)
	if room == activityRoom {
		msg += "; the activity feed is read with subscribe"
	}
	return chat.Forbidden(msg)
}

// New returns a Service configured by cfg.
func New(cfg Config) (*Service, error) {
	if len(cfg.JWTSecret) == 0 {
		return nil, errors.New("chat service: empty JWT secret")
	}
	s := &Service{
		secret:      cfg.JWTSecret,
		users:       cfg.Users,
		tokenTTL:    cfg.TokenTTL,
		hub:         cfg.Hub,
		catchUp:     cfg.CatchUp,
		interval:    cfg.AnalyticsInterval,
		connections: cfg.Connections,
		log:         cfg.Logger,
		now:         cfg.Now,
	}
	if s.users == nil {
		s.users = DemoUsers()
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = tokenTTL
	}
	if s.catchUp <= 0 {
		s.catchUp = 50
	}
	if s.interval <= 0 {
		s.interval = 2 * time.Second
	}
	if s.connections == nil {
		s.connections = func() int { return 0 }
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hub == nil {
		s.hub = hub.New(HubOptions()...)
		s.ownHub = true
	}
	s.rate = newRateCounter(s.now)
	return s, nil
}

// HubOptions are the options a Hub given in Config.Hub needs: presence
// events rendered as chat.RoomEvent values (none for the activity feed),
// and messages published on other nodes decoded back into chat values. Add
// a broker with hub.WithBroker for several nodes (see chatd.Config.NATSURL).
func HubOptions() []hub.Option {
	return []hub.Option{hub.WithPresenceEvent(presenceEvent), hub.WithDecoder(decodeEvent)}
}

// presenceEvent renders the hub's presence events as room events, with the
// node of the member and, for a member whose node died, expired set.
func presenceEvent(e hub.PresenceEvent) any {
	if e.Room == activityRoom {
		return nil
	}
	kind := "joined"
	if e.Type == hub.EventLeave {
		kind = "left"
	}
	ev := &chat.RoomEvent{Kind: kind, Room: e.Room, User: e.Info.User, Timestamp: formatTime(e.Time), Node: optional(e.Node)}
	if e.Expired {
		expired := true
		ev.Expired = &expired
	}
	return ev
}

// decodeEvent turns a message published on another node (JSON only) back
// into the value this node published would have had: a *chat.RoomEvent,
// or a *chat.SubscribeResult for the activity feed.
func decodeEvent(room string, data []byte) (any, error) {
	var v any = new(chat.RoomEvent)
	if room == activityRoom {
		v = new(chat.SubscribeResult)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode message of room %q: %w", room, err)
	}
	return v, nil
}

// Hub returns the hub the service's rooms live in.
func (s *Service) Hub() *hub.Hub { return s.hub }

// Close releases the hub when the service created it. Streams end when
// their connections do; close the WebSocket server first.
func (s *Service) Close() error {
	if s.ownHub {
		return s.hub.Close()
	}
	return nil
}

// Send posts a message to a room; the hub assigns its sequence and time.
func (s *Service) Send(ctx context.Context, p *chat.SendPayload) (*chat.Message, error) {
	user, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := reservedRoom(p.Room); err != nil {
		return nil, err
	}
	var msg *chat.Message
	seq, err := s.hub.Publish(withMessageID(ctx, user), p.Room, func(seq int64, at time.Time) (any, error) {
		m := &chat.Message{Sequence: seq, Room: p.Room, From: user, Text: p.Text, Timestamp: formatTime(at)}
		msg = m // the last build is the one published
		return &chat.RoomEvent{Kind: "message", Room: p.Room, User: user, Message: m, Timestamp: m.Timestamp}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish to room %q: %w", p.Room, quotaError(err))
	}
	if msg == nil || msg.Sequence != seq {
		// The broker had stored this request's message already (a retry
		// that reached another node): answer with that one.
		return s.storedMessage(ctx, p.Room, seq)
	}
	s.rate.add()
	s.activity(ctx, "message", fmt.Sprintf("%s posted in %s", user, p.Room))
	return msg, nil
}

// storedMessage returns message seq of room.
func (s *Service) storedMessage(ctx context.Context, room string, seq int64) (*chat.Message, error) {
	entries, err := s.hub.HistoryContext(ctx, room, seq-1, 1)
	if err != nil {
		return nil, fmt.Errorf("read message %d of room %q: %w", seq, room, err)
	}
	if len(entries) == 0 || entries[0].Seq != seq || messageOf(entries[0].Value) == nil {
		return nil, fmt.Errorf("message %d of room %q is no longer stored", seq, room)
	}
	return messageOf(entries[0].Value), nil
}

// History returns the messages of a room after a sequence number, oldest
// first: from the hub's in-memory window (the last 100 per room by
// default) or, with a broker that stores history (chatd -nats or -data),
// from the broker when the window does not reach back far enough.
func (s *Service) History(ctx context.Context, p *chat.HistoryPayload) (chat.MessageCollection, error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	if err := reservedRoom(p.Room); err != nil {
		return nil, err
	}
	entries, err := s.hub.HistoryContext(ctx, p.Room, p.After, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("history of room %q: %w", p.Room, err)
	}
	res := chat.MessageCollection{}
	for _, e := range entries {
		if m := messageOf(e.Value); m != nil {
			res = append(res, m)
		}
	}
	return res, nil
}

// messageOf returns the chat message a hub entry holds.
func messageOf(v any) *chat.Message {
	if ev, ok := v.(*chat.RoomEvent); ok {
		return ev.Message
	}
	return nil
}

// activity publishes one event of the subscribe feed. The feed is best
// effort: a failure is logged, never returned to the caller.
func (s *Service) activity(ctx context.Context, action, message string) {
	_, err := s.hub.Publish(context.WithoutCancel(ctx), activityRoom, func(_ int64, at time.Time) (any, error) {
		return &chat.SubscribeResult{Message: message, Action: action, Timestamp: formatTime(at)}, nil
	})
	if err != nil && !errors.Is(err, hub.ErrClosed) {
		s.log.Warn("activity feed", "err", err)
	}
}

// formatTime renders t as the design's date-time format (RFC 3339).
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// rateCounter counts messages per second over the last minute.
type rateCounter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets [60]int64
	stamps  [60]int64 // unix second each bucket counts
}

func newRateCounter(now func() time.Time) *rateCounter { return &rateCounter{now: now} }

func (r *rateCounter) add() {
	sec := r.now().Unix()
	i := sec % 60
	r.mu.Lock()
	if r.stamps[i] != sec {
		r.stamps[i], r.buckets[i] = sec, 0
	}
	r.buckets[i]++
	r.mu.Unlock()
}

// perSecond returns the mean rate over the last 60 seconds.
func (r *rateCounter) perSecond() float64 {
	sec := r.now().Unix()
	var n int64
	r.mu.Lock()
	for i, st := range r.stamps {
		if sec-st < 60 {
			n += r.buckets[i]
		}
	}
	r.mu.Unlock()
	return float64(n) / 60
}
