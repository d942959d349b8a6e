package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"duplex.dev/hub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// member is an in-memory hub.Member that keeps the frames it is sent and
// fails once it has accepted failAfter frames (never when failAfter < 0).
type member struct {
	id        string
	failAfter int

	mu     sync.Mutex
	frames [][]byte
}

func newMember(id string) *member { return &member{id: id, failAfter: -1} }

func (m *member) ID() string { return m.id }

func (m *member) SendRaw(frame []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAfter >= 0 && len(m.frames) >= m.failAfter {
		return errors.New("queue full")
	}
	m.frames = append(m.frames, frame)
	return nil
}

func (m *member) received() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.frames)
}

// message is what the tests publish, like the chat example's Message.
type message struct {
	Sequence int64  `json:"sequence"`
	From     string `json:"from"`
	Text     string `json:"text"`
	Secret   string `json:"secret,omitempty"`
}

// event is any frame a member receives: a message or a presence event.
type event struct {
	message
	Type   string `json:"type"`
	Member string `json:"member"`
}

func decode(t testing.TB, frames [][]byte) []event {
	t.Helper()
	out := make([]event, len(frames))
	for i, f := range frames {
		if err := json.Unmarshal(f, &out[i]); err != nil {
			t.Fatalf("frame %d %q: %v", i, f, err)
		}
	}
	return out
}

func publish(t testing.TB, h *hub.Hub, room, from, text string) int64 {
	t.Helper()
	seq, err := h.Publish(context.Background(), room, func(seq int64, _ time.Time) (any, error) {
		return &message{Sequence: seq, From: from, Text: text, Secret: "s"}, nil
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return seq
}

func join(t testing.TB, h *hub.Hub, room string, m hub.Member, view string) func() {
	t.Helper()
	leave, err := h.Join(context.Background(), room, m, view, hub.PresenceInfo{User: m.ID()})
	if err != nil {
		t.Fatalf("join %s: %v", m.ID(), err)
	}
	return leave
}

func TestConcurrentPublishersShareOneOrder(t *testing.T) {
	const publishers, perPublisher, members = 20, 50, 5
	h := hub.New()
	defer h.Close()
	ms := make([]*member, members)
	for i := range ms {
		ms[i] = newMember("m" + strconv.Itoa(i))
		defer join(t, h, "general", ms[i], "")()
	}
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		wg.Go(func() {
			for n := range perPublisher {
				_, err := h.Publish(context.Background(), "general", func(seq int64, _ time.Time) (any, error) {
					return &message{Sequence: seq, From: strconv.Itoa(p), Text: strconv.Itoa(n)}, nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var first []event
	for i, m := range ms {
		evs := decode(t, m.received())
		// Members joined one after the other: drop the join events of later members.
		evs = slices.DeleteFunc(evs, func(e event) bool { return e.Type != "" })
		if len(evs) != publishers*perPublisher {
			t.Fatalf("member %d got %d messages, want %d", i, len(evs), publishers*perPublisher)
		}
		for j, e := range evs {
			if e.Sequence != int64(j+1) {
				t.Fatalf("member %d: message %d has sequence %d, want %d", i, j, e.Sequence, j+1)
			}
		}
		if i == 0 {
			first = evs
			continue
		}
		if k := slices.IndexFunc(evs, func(e event) bool { return e != first[e.Sequence-1] }); k >= 0 {
			t.Fatalf("member %d saw %+v at position %d, member 0 saw %+v", i, evs[k], k, first[k])
		}
	}
	if info, _ := h.Room("general"); info.LastSeq != publishers*perPublisher {
		t.Errorf("LastSeq = %d, want %d", info.LastSeq, publishers*perPublisher)
	}
}

func TestHistory(t *testing.T) {
	h := hub.New(hub.WithHistoryLimit(5))
	defer h.Close()
	for i := range 8 {
		publish(t, h, "general", "ann", "m"+strconv.Itoa(i+1))
	}
	cases := []struct {
		name  string
		room  string
		after int64
		limit int
		want  []int64
	}{
		{"everything kept is the last five", "general", 0, 0, []int64{4, 5, 6, 7, 8}},
		{"after a sequence", "general", 5, 0, []int64{6, 7, 8}},
		{"after and limit", "general", 4, 2, []int64{5, 6}},
		{"after the last", "general", 8, 0, []int64{}},
		{"unknown room", "nowhere", 0, 0, []int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := []int64{}
			for _, e := range h.History(tc.room, tc.after, tc.limit) {
				got = append(got, e.Seq)
				m := e.Value.(*message)
				if m.Sequence != e.Seq || m.Text != "m"+strconv.FormatInt(e.Seq, 10) {
					t.Errorf("entry %d holds %+v", e.Seq, m)
				}
				var decoded message
				if err := json.Unmarshal(e.Data, &decoded); err != nil || decoded != *m {
					t.Errorf("entry %d data %q does not encode its value (%v)", e.Seq, e.Data, err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sequences (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no history kept with limit 0", func(t *testing.T) {
		h := hub.New(hub.WithHistoryLimit(0))
		defer h.Close()
		publish(t, h, "r", "ann", "x")
		if got := h.History("r", 0, 0); len(got) != 0 {
			t.Errorf("History = %v, want nothing", got)
		}
	})
}

// rawPresence sends the Hub's own PresenceEvent to members.
func rawPresence(ev hub.PresenceEvent) any { return ev }

func TestPresenceEventsAreOffByDefault(t *testing.T) {
	h := hub.New()
	defer h.Close()
	ann := newMember("ann")
	defer join(t, h, "general", ann, "")()
	leaveBob := join(t, h, "general", newMember("bob"), "")
	publish(t, h, "general", "ann", "hello")
	leaveBob()
	publish(t, h, "general", "ann", "again")
	var got []string
	for _, e := range decode(t, ann.received()) {
		got = append(got, e.Type+e.Member+e.Text)
	}
	if diff := cmp.Diff([]string{"hello", "again"}, got); diff != "" {
		t.Errorf("ann's frames without WithPresenceEvent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ann"}, ids(h.Members("general"))); diff != "" {
		t.Errorf("Members (-want +got):\n%s", diff)
	}
}

func TestPresence(t *testing.T) {
	h := hub.New(hub.WithView("summary", func(v any) any { return v }), hub.WithPresenceEvent(rawPresence))
	defer h.Close()
	ann, bob := newMember("ann"), newMember("bob")
	leaveAnn := join(t, h, "general", ann, "")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := h.Join(ctx, "general", bob, "summary", hub.PresenceInfo{User: "Bob", Meta: map[string]string{"status": "away"}}); err != nil {
		t.Fatal(err)
	}

	members := h.Members("general")
	if len(members) != 2 || members[0].ID != "ann" || members[1].ID != "bob" || members[1].Info.User != "Bob" || members[1].View != "summary" {
		t.Fatalf("Members = %+v", members)
	}
	if evs := decode(t, ann.received()); len(evs) != 1 || evs[0].Type != hub.EventJoin || evs[0].Member != "bob" {
		t.Fatalf("ann got %+v, want bob's join", evs)
	}
	if len(bob.received()) != 0 {
		t.Fatalf("bob got his own join event: %q", bob.received())
	}

	// Cancelling bob's context makes him leave, as a closed connection would.
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Members("general")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("bob still a member after his context was cancelled")
		}
		time.Sleep(time.Millisecond)
	}
	evs := decode(t, ann.received())
	if len(evs) != 2 || evs[1].Type != hub.EventLeave || evs[1].Member != "bob" {
		t.Fatalf("ann got %+v, want bob's leave", evs)
	}

	leaveAnn()
	leaveAnn() // a second call does nothing
	if got := h.Members("general"); len(got) != 0 {
		t.Errorf("Members after leaving = %+v", got)
	}
}

func TestJoinErrors(t *testing.T) {
	h := hub.New()
	ann := newMember("ann")
	defer join(t, h, "general", ann, "")()
	closed := hub.New()
	closed.Close()
	cases := []struct {
		name string
		h    *hub.Hub
		room string
		view string
		want error
	}{
		{"same id twice", h, "general", "", hub.ErrDuplicateMember},
		{"unknown view", h, "general", "huge", hub.ErrUnknownView},
		{"empty room", h, "", "", hub.ErrEmptyRoom},
		{"closed hub", closed, "general", "", hub.ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.h.Join(context.Background(), tc.room, ann, tc.view, hub.PresenceInfo{})
			if !errors.Is(err, tc.want) {
				t.Errorf("Join = %v, want %v", err, tc.want)
			}
		})
	}
	h.Close()
}

func TestPublishBuildErrorConsumesNoSequence(t *testing.T) {
	h := hub.New()
	defer h.Close()
	boom := errors.New("boom")
	_, err := h.Publish(context.Background(), "r", func(int64, time.Time) (any, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Publish = %v, want boom", err)
	}
	_, err = h.Publish(context.Background(), "r", func(int64, time.Time) (any, error) { return func() {}, nil })
	if err == nil {
		t.Fatal("Publish of a value JSON cannot encode succeeded")
	}
	if seq := publish(t, h, "r", "ann", "x"); seq != 1 {
		t.Errorf("first successful publish has sequence %d, want 1", seq)
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestEvict(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h := hub.New(hub.WithClock(clk.Now), hub.WithIdleTimeout(time.Minute))
	defer h.Close()

	publish(t, h, "idle", "ann", "x")
	publish(t, h, "busy", "ann", "x")
	defer join(t, h, "occupied", newMember("bob"), "")()
	clk.Advance(50 * time.Second)
	publish(t, h, "busy", "ann", "y")
	clk.Advance(10 * time.Second)

	cases := []struct {
		name    string
		advance time.Duration
		evicted []string
	}{
		{"an idle room goes after the timeout", 0, []string{"idle"}},
		{"a room active since is kept until its own timeout", 49 * time.Second, nil},
		{"then it goes too; an occupied room never does", time.Second, []string{"busy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(tc.advance)
			if diff := cmp.Diff(tc.evicted, h.Evict(clk.Now())); diff != "" {
				t.Errorf("evicted (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"occupied"}, h.Rooms()); diff != "" {
		t.Errorf("rooms left (-want +got):\n%s", diff)
	}
	if h.History("busy", 0, 0) != nil {
		t.Error("an evicted room kept its history")
	}
	// The broker keeps counting, so a re-created room does not reuse sequences.
	if seq := publish(t, h, "busy", "ann", "z"); seq != 3 {
		t.Errorf("sequence after re-creation = %d, want 3", seq)
	}
}

func TestRunEvicts(t *testing.T) {
	h := hub.New(hub.WithIdleTimeout(time.Millisecond))
	defer h.Close()
	publish(t, h, "idle", "ann", "x")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Rooms()) != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if rooms := h.Rooms(); len(rooms) != 0 {
		t.Errorf("rooms after Run = %v", rooms)
	}
}

func TestFailingMemberIsRemoved(t *testing.T) {
	h := hub.New(hub.WithPresenceEvent(rawPresence))
	defer h.Close()
	ann, bob, slow := newMember("ann"), newMember("bob"), newMember("slow")
	slow.failAfter = 0
	defer join(t, h, "general", ann, "")()
	defer join(t, h, "general", bob, "")()
	leaveSlow := join(t, h, "general", slow, "")
	defer leaveSlow()

	publish(t, h, "general", "ann", "hello")
	publish(t, h, "general", "ann", "again")

	if diff := cmp.Diff([]string{"ann", "bob"}, ids(h.Members("general"))); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	// bob: slow's join, hello, slow's leave, again.
	var got []string
	for _, e := range decode(t, bob.received()) {
		got = append(got, e.Type+e.Member+e.Text)
	}
	if diff := cmp.Diff([]string{"joinslow", "hello", "leaveslow", "again"}, got); diff != "" {
		t.Errorf("bob's frames (-want +got):\n%s", diff)
	}
	if st := h.Stats(); st.Dropped != 1 || st.Members != 2 {
		t.Errorf("Stats = %+v, want 1 dropped and 2 members", st)
	}
	leaveSlow() // leaving after removal is harmless
}

func ids(ms []hub.PresenceMember) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func summary(v any) any {
	m := v.(*message)
	return map[string]any{"sequence": m.Sequence, "text": m.Text}
}

func tiny(v any) any { return map[string]any{"sequence": v.(*message).Sequence} }

func TestBroadcastEncodesOncePerView(t *testing.T) {
	const n = 10_000
	views := []string{"", "summary", "tiny"}
	cases := []struct {
		name      string
		viewsUsed []string
	}{
		{"one view", views[:1]},
		{"three views", views},
		{"only projected views", views[1:]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hub.New(hub.WithView("summary", summary), hub.WithView("tiny", tiny),
				hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil }))
			defer h.Close()
			ms := make([]*member, n)
			for i := range ms {
				ms[i] = newMember(strconv.Itoa(i))
				join(t, h, "big", ms[i], tc.viewsUsed[i%len(tc.viewsUsed)])
			}
			before := h.Stats()
			publish(t, h, "big", "ann", "hello")
			after := h.Stats()

			want := int64(len(tc.viewsUsed))
			if !slices.Contains(tc.viewsUsed, "") {
				want++ // the published value is always encoded once, for the broker
			}
			if got := after.Encodes - before.Encodes; got != want {
				t.Errorf("encodes for one message = %d, want %d", got, want)
			}
			if got := after.Frames - before.Frames; got != n {
				t.Errorf("frames = %d, want %d", got, n)
			}
			// Members with the same view share the very same bytes.
			byView := map[string]*byte{}
			for i, m := range ms {
				frames := m.received()
				last := frames[len(frames)-1]
				view := tc.viewsUsed[i%len(tc.viewsUsed)]
				if p, ok := byView[view]; ok && p != &last[0] {
					t.Fatalf("member %d got its own copy of view %q", i, view)
				}
				byView[view] = &last[0]
			}
			wantFrames := map[string]string{
				"":        `{"sequence":1,"from":"ann","text":"hello","secret":"s"}`,
				"summary": `{"sequence":1,"text":"hello"}`,
				"tiny":    `{"sequence":1}`,
			}
			for i, view := range tc.viewsUsed {
				frames := ms[i].received()
				if got := string(frames[len(frames)-1]); got != wantFrames[view] {
					t.Errorf("view %q frame = %s, want %s", view, got, wantFrames[view])
				}
			}
		})
	}
}

// remoteBroker is a MemoryBroker seen from another node: envelopes lose
// their Go value, as they do when they cross NATS.
type remoteBroker struct{ *hub.MemoryBroker }

func (b remoteBroker) Subscribe(room string, deliver func(hub.Envelope)) (func(), error) {
	return b.MemoryBroker.Subscribe(room, func(env hub.Envelope) {
		env.Value = nil
		deliver(env)
	})
}

func TestTwoNodesShareSequences(t *testing.T) {
	broker := hub.NewMemoryBroker(nil)
	defer broker.Close()
	local := hub.New(hub.WithBroker(broker))
	defer local.Close()
	remote := hub.New(hub.WithBroker(remoteBroker{broker}), hub.WithView("summary", summary),
		hub.WithDecoder(func(room string, data []byte) (any, error) {
			var m message
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, fmt.Errorf("decode message of %s: %w", room, err)
			}
			return &m, nil
		}))
	defer remote.Close()
	ann, bob := newMember("ann"), newMember("bob")
	defer join(t, local, "general", ann, "")()
	defer join(t, remote, "general", bob, "summary")()

	publish(t, local, "general", "ann", "one")
	publish(t, remote, "general", "bob", "two")
	publish(t, local, "general", "ann", "three")

	want := []string{"1one", "2two", "3three"}
	for _, m := range []*member{ann, bob} {
		var got []string
		for _, e := range decode(t, m.received()) {
			got = append(got, strconv.FormatInt(e.Sequence, 10)+e.Text)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", m.id, diff)
		}
	}
	if st := remote.Stats(); st.Decodes != 3 {
		t.Errorf("remote decodes = %d, want 3", st.Decodes)
	}
	if e := remote.History("general", 1, 1); len(e) != 1 || e[0].Value.(*message).Text != "two" {
		t.Errorf("remote history = %+v", e)
	}
}

func BenchmarkBroadcast10k(b *testing.B) {
	h := hub.New(hub.WithView("summary", summary), hub.WithHistoryLimit(16),
		hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil }))
	defer h.Close()
	for i := range 10_000 {
		view := ""
		if i%2 == 1 {
			view = "summary"
		}
		if _, err := h.Join(context.Background(), "big", countingMember(strconv.Itoa(i)), view, hub.PresenceInfo{}); err != nil {
			b.Fatal(err)
		}
	}
	build := func(seq int64, _ time.Time) (any, error) {
		return &message{Sequence: seq, From: "ann", Text: "hello, room"}, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Publish(context.Background(), "big", build); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(h.Stats().Frames), "ns/delivery")
}

// countingMember accepts every frame and keeps none, like a connection
// whose queue is drained as fast as it is filled.
type countingMember string

func (m countingMember) ID() string           { return string(m) }
func (countingMember) SendRaw(f []byte) error { return nil }
