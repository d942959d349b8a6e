package hub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"duplex.dev/hub"
)

// historyBytes sums the encoded size of room's history.
func historyBytes(h *hub.Hub, room string) (n int) {
	for _, e := range h.History(room, 0, 0) {
		n += len(e.Data)
	}
	return n
}

func TestHistoryBytes(t *testing.T) {
	const limit = 16 << 10
	h := hub.New(hub.WithHistoryBytes(limit))
	defer h.Close()
	t.Run("the history of a room stays under the cap, the newest messages kept", func(t *testing.T) {
		big := strings.Repeat("x", 3000)
		var last int64
		for range 50 {
			last = publish(t, h, "r", "mallory", big)
		}
		entries := h.History("r", 0, 0)
		if n := historyBytes(h, "r"); n > limit || len(entries) < limit/3100 {
			t.Fatalf("history holds %d bytes in %d messages, want at most %d bytes in %d or more", n, len(entries), limit, limit/3100)
		}
		if got := entries[len(entries)-1].Seq; got != last {
			t.Errorf("newest kept = %d, want %d: the oldest go first", got, last)
		}
	})
	t.Run("a message larger than the cap is refused", func(t *testing.T) {
		_, err := h.Publish(context.Background(), "r", func(seq int64, _ time.Time) (any, error) {
			return &message{Sequence: seq, Text: strings.Repeat("x", limit)}, nil
		})
		if !errors.Is(err, hub.ErrMessageTooLarge) || !strings.Contains(err.Error(), "at most 16384") {
			t.Errorf("Publish = %v, want ErrMessageTooLarge saying the cap", err)
		}
	})
}

func TestMaxRoomsPerSubject(t *testing.T) {
	h := hub.New(hub.WithMaxRoomsPerSubject(3))
	defer h.Close()
	joinAs := func(user, room, id string) (func(), error) {
		return h.Join(context.Background(), room, newMember(id), "", hub.PresenceInfo{User: user})
	}
	var leaves []func()
	for i := range 3 {
		leave, err := joinAs("mallory", fmt.Sprint("room", i), fmt.Sprint("m", i))
		if err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
		leaves = append(leaves, leave)
	}
	t.Run("a fourth room is refused", func(t *testing.T) {
		if _, err := joinAs("mallory", "room3", "m3"); !errors.Is(err, hub.ErrTooManyRooms) || !strings.Contains(err.Error(), `"mallory" is in 3 rooms`) {
			t.Errorf("join = %v, want ErrTooManyRooms naming the user and the count", err)
		}
	})
	t.Run("another connection of the subject to a room it is in is allowed", func(t *testing.T) {
		leave, err := joinAs("mallory", "room0", "m0-second")
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		leave()
	})
	t.Run("another subject is unaffected", func(t *testing.T) {
		leave, err := joinAs("alice", "room3", "a3")
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		leave()
	})
	t.Run("leaving a room makes room for another", func(t *testing.T) {
		leaves[0]()
		leave, err := joinAs("mallory", "room3", "m3")
		if err != nil {
			t.Fatalf("join after leaving: %v", err)
		}
		leave()
	})
}

func TestMaxRooms(t *testing.T) {
	h := hub.New(hub.WithMaxRooms(2))
	defer h.Close()
	publish(t, h, "a", "u", "1")
	publish(t, h, "b", "u", "1")
	publish(t, h, "a", "u", "2") // an existing room takes messages
	if _, err := h.Publish(context.Background(), "c", func(int64, time.Time) (any, error) { return "x", nil }); !errors.Is(err, hub.ErrTooManyRooms) {
		t.Errorf("publish to a third room = %v, want ErrTooManyRooms", err)
	}
}
