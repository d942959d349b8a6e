package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/hub"
)

// Join streams a room to its new member: who is present (a "joined" event
// per member, itself included, on every node), then history, then live
// messages and presence events in sequence order, until the client leaves
// or the server shuts down.
//
// Without "after" the history is the last Config.CatchUp messages. With
// "after" (a client resuming, on this node or another) it is every message
// with a greater sequence, each once, however far back the broker keeps
// them (hub.Hub.JoinAfter): a client that gives the last sequence it saw
// misses nothing and sees nothing twice.
func (s *Service) Join(ctx context.Context, p *chat.JoinPayload, stream chat.JoinServerStream) error {
	user, err := requireUser(ctx)
	if err != nil {
		return err
	}
	if err := reservedRoom(p.Room); err != nil {
		return err
	}
	id, send, sendWait, err := rawSender(stream)
	if err != nil {
		return err
	}
	m := &member{id: id, send: send, sendWait: sendWait}
	info := hub.PresenceInfo{User: user}
	var leave func()
	if p.After != nil {
		// JoinAfter hands m the missed messages before it returns; m holds
		// them until the roster has been sent.
		m.limit = maxPending + maxResume
		leave, err = s.hub.JoinAfter(ctx, p.Room, m, "", info, *p.After)
	} else {
		leave, err = s.hub.Join(ctx, p.Room, m, "", info)
	}
	if err != nil {
		return fmt.Errorf("join room %q: %w", p.Room, quotaError(err))
	}
	defer leave()
	start := s.now()
	if p.After != nil {
		s.log.Info("joined room", "room", p.Room, "user", user, "member", id, "after", *p.After)
	} else {
		s.log.Info("joined room", "room", p.Room, "user", user, "member", id)
	}
	defer func() {
		s.log.Info("left room", "room", p.Room, "user", user, "member", id, "duration", time.Since(start).Round(time.Millisecond))
	}()
	s.activity(ctx, "joined", fmt.Sprintf("%s joined %s", user, p.Room))

	for _, pm := range s.hub.Members(p.Room) {
		ev := &chat.RoomEvent{Kind: "joined", Room: p.Room, User: pm.Info.User, Timestamp: formatTime(pm.JoinedAt), Node: optional(pm.Node)}
		if err := stream.SendWithContext(ctx, ev); err != nil {
			return fmt.Errorf("send presence: %w", err)
		}
	}
	var sent int64
	if p.After == nil {
		recent, err := s.recent(ctx, p.Room)
		if err != nil {
			return fmt.Errorf("join room %q: %w", p.Room, err)
		}
		for _, e := range recent {
			if err := m.sendWait(ctx, e.Data); err != nil {
				return fmt.Errorf("send history: %w", err)
			}
			sent = e.Seq
		}
	}
	if err := m.goLive(ctx, sent); err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	<-ctx.Done()
	return nil
}

// recent returns the last Config.CatchUp messages of room, oldest first,
// from the hub's window or, when it does not reach back far enough (after
// a restart with a durable broker), from the broker's stored history. The
// room is held by the hub: its member has joined.
func (s *Service) recent(ctx context.Context, room string) ([]hub.Entry, error) {
	info, ok := s.hub.Room(room)
	if !ok {
		return nil, nil
	}
	after := max(info.LastSeq-int64(s.catchUp), 0)
	entries, err := s.hub.HistoryContext(ctx, room, after, s.catchUp)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	return entries, nil
}

// optional returns a pointer to s, or nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Listener counts the messages the client streams and returns the count
// once the client ends its stream.
func (s *Service) Listener(ctx context.Context, p *chat.ListenerPayload, stream chat.ListenerServerStream) error {
	user, err := requireUser(ctx)
	if err != nil {
		return err
	}
	n := 0
	for {
		_, err := stream.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("listener: %w", err)
		}
		n++
	}
	s.log.Info("listener done", "user", user, "messages", n)
	return stream.SendAndCloseWithContext(ctx, n)
}

// Subscribe streams the server's activity (logins, joins, messages) as
// message/action/timestamp events until the client leaves.
func (s *Service) Subscribe(ctx context.Context, p *chat.SubscribePayload, stream chat.SubscribeServerStream) error {
	user, err := requireUser(ctx)
	if err != nil {
		return err
	}
	id, send, sendWait, err := rawSender(stream)
	if err != nil {
		return err
	}
	// The member joins first and holds the activity until the first frame
	// (which upgrades the connection) has told the client it is subscribed:
	// an event published in between follows that frame instead of being
	// lost.
	m := &member{id: id, send: send, sendWait: sendWait}
	leave, err := s.hub.Join(ctx, activityRoom, m, "", hub.PresenceInfo{User: user})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer leave()
	if err := stream.SendWithContext(ctx, &chat.SubscribeResult{Message: "subscribed as " + user, Action: "subscribed", Timestamp: formatTime(s.now())}); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := m.goLive(ctx, 0); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	<-ctx.Done()
	return nil
}

// Echo sends every message of the client back until the client ends its
// stream.
func (s *Service) Echo(ctx context.Context, stream chat.EchoServerStream) error {
	for {
		in, err := stream.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("echo: %w", err)
		}
		if err := stream.SendWithContext(ctx, &chat.EchoResult{Message: in.Message}); err != nil {
			return fmt.Errorf("echo: %w", err)
		}
	}
}

// Analytics sends a snapshot of the server's activity every
// Config.AnalyticsInterval, the first one at once, rendered in the view the
// client chose.
func (s *Service) Analytics(ctx context.Context, p *chat.AnalyticsPayload, stream chat.AnalyticsServerStream) error {
	if _, err := requireUser(ctx); err != nil {
		return err
	}
	stream.SetView(p.View)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if err := stream.SendWithContext(ctx, s.snapshot()); err != nil {
			return fmt.Errorf("analytics: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// snapshot computes one analytics value with every attribute set; the
// stream's view decides which ones the client gets.
func (s *Service) snapshot() *chat.Analytics {
	members := map[string]int{}
	for _, r := range s.hub.Rooms() {
		if r == activityRoom {
			continue
		}
		if info, ok := s.hub.Room(r); ok && info.Members > 0 {
			members[r] = info.Members
		}
	}
	top := make([]string, 0, len(members))
	for r := range members {
		top = append(top, r)
	}
	sort.Slice(top, func(i, j int) bool {
		if members[top[i]] != members[top[j]] {
			return members[top[i]] > members[top[j]]
		}
		return top[i] < top[j]
	})
	if len(top) > 5 {
		top = top[:5]
	}
	rate := s.rate.perSecond()
	dropped := s.hub.Stats().Dropped
	return &chat.Analytics{
		Timestamp:         formatTime(s.now()),
		Connections:       s.connections(),
		Rooms:             len(members),
		MessagesPerSecond: &rate,
		TopRooms:          top,
		RoomMembers:       members,
		Dropped:           &dropped,
	}
}
