package service_test

import (
	"context"
	"fmt"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/hub"
)

// recorder is a hub member that keeps the last frame it was handed. A
// WebSocket connection (*ws.Conn) is a member the same way: ID and SendRaw.
type recorder struct {
	id   string
	last []byte
}

func (r *recorder) ID() string { return r.id }

func (r *recorder) SendRaw(frame []byte) error {
	r.last = frame // shared with the other members of the view: never modify it
	return nil
}

// A room whose members receive its messages in different views: each
// message is encoded once per view in use, never once per member, and every
// member with the same view is handed the same bytes.
func Example_roomViews() {
	ctx := context.Background()
	// textOnly projects a room event to its text: the view "text".
	textOnly := func(v any) any {
		ev := v.(*chat.RoomEvent)
		return map[string]any{"sequence": ev.Message.Sequence, "text": ev.Message.Text}
	}
	h := hub.New(hub.WithView("text", textOnly),
		hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil })) // no join/leave frames here
	defer h.Close()

	ann, bob, cid := &recorder{id: "ann"}, &recorder{id: "bob"}, &recorder{id: "cid"}
	views := map[*recorder]string{ann: "", bob: "text", cid: "text"} // "": the value as published
	for _, m := range []*recorder{ann, bob, cid} {
		leave, err := h.Join(ctx, "general", m, views[m], hub.PresenceInfo{User: m.id})
		if err != nil {
			fmt.Println("join:", err)
			return
		}
		defer leave()
	}

	before := h.Stats().Encodes
	_, err := h.Publish(ctx, "general", func(seq int64, at time.Time) (any, error) {
		msg := &chat.Message{Sequence: seq, Room: "general", From: "ann", Text: "hi", Timestamp: "2025-01-01T00:00:00Z"}
		return &chat.RoomEvent{Kind: "message", Room: "general", User: "ann", Message: msg, Timestamp: msg.Timestamp}, nil
	})
	if err != nil {
		fmt.Println("publish:", err)
		return
	}
	for _, m := range []*recorder{ann, bob, cid} {
		fmt.Printf("%s: %s\n", m.id, m.last)
	}
	fmt.Println("encodes for 3 members in 2 views:", h.Stats().Encodes-before)
	fmt.Println("bob and cid share one frame:", &bob.last[0] == &cid.last[0])

	// Output:
	// ann: {"kind":"message","room":"general","user":"ann","message":{"sequence":1,"room":"general","from":"ann","text":"hi","timestamp":"2025-01-01T00:00:00Z"},"timestamp":"2025-01-01T00:00:00Z"}
	// bob: {"sequence":1,"text":"hi"}
	// cid: {"sequence":1,"text":"hi"}
	// encodes for 3 members in 2 views: 2
	// bob and cid share one frame: true
}
