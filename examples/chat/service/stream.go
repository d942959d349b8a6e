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
// per member, itself included), then the last Config.CatchUp messages, then
// live messages and presence events in sequence order, until the client
// leaves or the server shuts down.
func (s *Service) Join(ctx context.Context, p *chat.JoinPayload, stream chat.JoinServerStream) error {
	user, err := requireUser(ctx)
	if err != nil {
		return err
	}
	id, send := rawSender(stream, stream.Send)
	m := &member{id: id, send: send}
	leave, err := s.hub.Join(ctx, p.Room, m, "", hub.PresenceInfo{User: user})
	if err != nil {
		return fmt.Errorf("join room %q: %w", p.Room, err)
	}
	defer leave()
	start := s.now()
	s.log.Info("joined room", "room", p.Room, "user", user, "member", id)
	defer func() {
		s.log.Info("left room", "room", p.Room, "user", user, "member", id, "duration", time.Since(start).Round(time.Millisecond))
	}()
	s.activity(ctx, "joined", fmt.Sprintf("%s joined %s", user, p.Room))

	for _, pm := range s.hub.Members(p.Room) {
		ev := &chat.RoomEvent{Kind: "joined", Room: p.Room, User: pm.Info.User, Timestamp: formatTime(pm.JoinedAt)}
		if err := stream.SendWithContext(ctx, ev); err != nil {
			return fmt.Errorf("send presence: %w", err)
		}
	}
	var sent int64
	for _, e := range s.recent(p.Room) {
		if err := m.send(e.Data); err != nil {
			return fmt.Errorf("send history: %w", err)
		}
		sent = e.Seq
	}
	if err := m.goLive(sent); err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	<-ctx.Done()
	return nil
}

// recent returns the last Config.CatchUp messages of room, oldest first.
func (s *Service) recent(room string) []hub.Entry {
	all := s.hub.History(room, 0, 0)
	if len(all) > s.catchUp {
		all = all[len(all)-s.catchUp:]
	}
	return all
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
	id, send := rawSender(stream, stream.Send)
	// The first frame upgrades the connection and tells the client it is
	// subscribed before any event arrives.
	if err := stream.SendWithContext(ctx, &chat.SubscribeResult{Message: "subscribed as " + user, Action: "subscribed", Timestamp: formatTime(s.now())}); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	leave, err := s.hub.Join(ctx, activityRoom, &member{id: id, send: send, live: true}, "", hub.PresenceInfo{User: user})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer leave()
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
