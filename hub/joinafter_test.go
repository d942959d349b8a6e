package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"duplex.dev/hub"
)

// messageSeqs returns the sequences of the messages (not presence events)
// among frames.
func messageSeqs(t *testing.T, frames [][]byte) []int64 {
	t.Helper()
	var out []int64
	for _, e := range decode(t, frames) {
		if e.Type == "" {
			out = append(out, e.Sequence)
		}
	}
	return out
}

// notifyMember is a member that signals once it has accepted n frames.
type notifyMember struct {
	*member
	n    int
	once sync.Once
	hit  chan struct{}
}

func (m *notifyMember) SendRaw(frame []byte) error {
	if err := m.member.SendRaw(frame); err != nil {
		return err
	}
	if len(m.received()) >= m.n {
		m.once.Do(func() { close(m.hit) })
	}
	return nil
}

func TestJoinAfterResumesWithoutGapOrDuplicate(t *testing.T) {
	const publishers, perPublisher, total = 10, 60, 10 * 60
	h := hub.New(hub.WithHistoryLimit(total), hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil }))
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The client moves through three memberships (three connections) while
	// the publishers run, each time resuming after the last sequence it saw.
	first := &notifyMember{member: newMember("c"), n: total / 4, hit: make(chan struct{})}
	leave, err := h.Join(ctx, "general", first, "", hub.PresenceInfo{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		wg.Go(func() {
			for n := range perPublisher {
				_, err := h.Publish(ctx, "general", func(seq int64, _ time.Time) (any, error) {
					return &message{Sequence: seq, From: strconv.Itoa(p), Text: strconv.Itoa(n)}, nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var seen []int64
	current := first
	for hop := 1; hop <= 2; hop++ {
		select {
		case <-current.hit:
		case <-ctx.Done():
			t.Fatalf("hop %d: member got %d frames", hop, len(current.received()))
		}
		leave()
		seen = append(seen, messageSeqs(t, current.received())...)
		next := &notifyMember{member: newMember("c"), n: total / 4, hit: make(chan struct{})}
		if leave, err = h.JoinAfter(ctx, "general", next, "", hub.PresenceInfo{}, seen[len(seen)-1]); err != nil {
			t.Fatalf("hop %d: JoinAfter: %v", hop, err)
		}
		current = next
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	leave()
	seen = append(seen, messageSeqs(t, current.received())...)
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Fatalf("sequences over three memberships (-want +got):\n%s", diff)
	}
}

func TestJoinAfter(t *testing.T) {
	h := hub.New(hub.WithHistoryLimit(5), hub.WithView("summary", summary))
	defer h.Close()
	ctx := context.Background()
	for i := range 8 {
		publish(t, h, "general", "ann", "m"+strconv.Itoa(i+1))
	}

	t.Run("after a kept sequence, in a view, then live", func(t *testing.T) {
		m := newMember("v")
		leave, err := h.JoinAfter(ctx, "general", m, "summary", hub.PresenceInfo{}, 6)
		if err != nil {
			t.Fatal(err)
		}
		defer leave()
		publish(t, h, "general", "ann", "m9")
		var got []string
		for _, f := range m.received() {
			got = append(got, string(f))
		}
		want := []string{`{"sequence":7,"text":"m7"}`, `{"sequence":8,"text":"m8"}`, `{"sequence":9,"text":"m9"}`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("frames (-want +got):\n%s", diff)
		}
	})

	t.Run("older than the window: the window, without a HistoryBroker", func(t *testing.T) {
		m := newMember("old")
		leave, err := h.JoinAfter(ctx, "general", m, "", hub.PresenceInfo{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer leave()
		if diff := cmp.Diff([]int64{5, 6, 7, 8, 9}, messageSeqs(t, m.received())); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
		got, err := h.HistoryContext(ctx, "general", 1, 0)
		if err != nil || len(got) != 5 || got[0].Seq != 5 {
			t.Errorf("HistoryContext without a HistoryBroker = %d entries, %v; want History's 5", len(got), err)
		}
	})

	t.Run("a member that fails while catching up is not joined", func(t *testing.T) {
		m := newMember("slow")
		m.failAfter = 2
		_, err := h.JoinAfter(ctx, "general", m, "", hub.PresenceInfo{}, 0)
		if err == nil {
			t.Fatal("JoinAfter succeeded for a member whose queue filled up")
		}
		for _, pm := range h.Members("general") {
			if pm.ID == "slow" {
				t.Fatalf("failed member still listed: %+v", pm)
			}
		}
	})

	t.Run("a cancelled context ends the catch-up", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := h.JoinAfter(cctx, "general", newMember("gone"), "", hub.PresenceInfo{}, 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("JoinAfter with a cancelled context: %v, want context.Canceled", err)
		}
	})
}

func TestPresenceEventWithoutPresenceBrokerHasNoNode(t *testing.T) {
	h := hub.New(hub.WithPresenceEvent(rawPresence))
	defer h.Close()
	ann := newMember("ann")
	defer join(t, h, "general", ann, "")()
	defer join(t, h, "general", newMember("bob"), "")()
	frames := ann.received()
	if len(frames) != 1 {
		t.Fatalf("ann got %d frames, want bob's join", len(frames))
	}
	var raw map[string]any
	if err := json.Unmarshal(frames[0], &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["node"]; ok {
		t.Errorf("join event %s has a node without a PresenceBroker", frames[0])
	}
	if _, ok := raw["expired"]; ok {
		t.Errorf("join event %s has expired set", frames[0])
	}
	for _, pm := range h.Members("general") {
		if pm.Node != "" {
			t.Errorf("member %+v has a node without a PresenceBroker", pm)
		}
	}
}
