package natsbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"duplex.dev/hub"
)

// decodeChat is the Hub decoder of the tests' chatMessage.
func decodeChat(_ string, data []byte) (any, error) {
	var m chatMessage
	err := json.Unmarshal(data, &m)
	return m, err
}

// newHub returns a Hub on a new Broker of url, closed when the test ends
// (the Hub before the Broker, the Broker before its connection).
func newHub(t *testing.T, url string, hubOpts []hub.Option, opts ...Option) (*hub.Hub, *Broker) {
	t.Helper()
	b, _ := newBroker(t, url, opts...)
	h := hub.New(append([]hub.Option{hub.WithBroker(b), hub.WithDecoder(decodeChat), hub.WithPresenceEvent(rawPresence)}, hubOpts...)...)
	t.Cleanup(func() { _ = h.Close() })
	return h, b
}

func chatSeqs(msgs []chatMessage) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Sequence
	}
	return out
}

func TestHubMemberResumesOnAnotherNodeWithoutGapOrDuplicate(t *testing.T) {
	const (
		senders   = 30
		perSender = 8
		total     = senders * perSender
		hop       = total / 4 // messages a membership receives before moving
	)
	_, url := startServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// b keeps no history in memory, so its catch-up comes from JetStream;
	// c keeps the default window.
	a, _ := newHub(t, url, nil, WithNodeID("a"))
	b, _ := newHub(t, url, []hub.Option{hub.WithHistoryLimit(0)}, WithNodeID("b"))
	c, _ := newHub(t, url, nil, WithNodeID("c"))
	hubs := []*hub.Hub{a, b, c}

	m := newMember("client", hop)
	leave, err := a.Join(ctx, "general", m, "", hub.PresenceInfo{User: "client"})
	if err != nil {
		t.Fatalf("Join on a: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			h := hubs[s%len(hubs)]
			for n := range perSender {
				_, err := h.Publish(ctx, "general", func(seq int64, at time.Time) (any, error) {
					return chatMessage{Text: fmt.Sprintf("s%d-%d", s, n), Sequence: seq, At: at.Format(time.RFC3339Nano)}, nil
				})
				if err != nil {
					errs <- fmt.Errorf("sender %d: %w", s, err)
					return
				}
			}
		})
	}
	defer wg.Wait() // on a failure below, the senders end with ctx

	var seen []chatMessage
	wait := func(m *member, where string) {
		t.Helper()
		select {
		case <-m.done:
		case <-ctx.Done():
			m.mu.Lock()
			defer m.mu.Unlock()
			t.Fatalf("member on %s received %d of %d messages", where, len(m.msgs), m.want)
		}
	}
	// a → b (catch-up from JetStream) → c (catch-up from c's window or
	// JetStream), each time after the last sequence seen, while the
	// senders run.
	for i, next := range []*hub.Hub{b, c} {
		wait(m, "node "+string(rune('a'+i)))
		leave() // when leave returns, m is sent nothing more
		m.mu.Lock()
		t.Logf("hop %d: membership got %v", i, chatSeqs(m.msgs))
		seen = append(seen, m.msgs...)
		m.mu.Unlock()
		want := hop
		if i == 1 {
			want = total - len(seen)
		}
		m = newMember("client", want)
		if leave, err = next.JoinAfter(ctx, "general", m, "", hub.PresenceInfo{User: "client"}, seen[len(seen)-1].Sequence); err != nil {
			t.Fatalf("JoinAfter on node %c: %v", 'b'+i, err)
		}
	}
	wait(m, "node c")
	leave()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen = append(seen, m.msgs...)
	texts := make(map[string]bool)
	for i, msg := range seen {
		if msg.Sequence != int64(i+1) {
			t.Fatalf("message %d of the client has sequence %d (sequences %v)", i, msg.Sequence, chatSeqs(seen))
		}
		if texts[msg.Text] {
			t.Fatalf("client received %q twice", msg.Text)
		}
		texts[msg.Text] = true
	}
	if len(seen) != total {
		t.Fatalf("client received %d messages, want %d", len(seen), total)
	}
}

// presenceMember is a hub.Member that keeps the presence events it is sent.
type presenceMember struct {
	id string

	mu     sync.Mutex
	events []hub.PresenceEvent
}

func (m *presenceMember) ID() string { return m.id }

func (m *presenceMember) SendRaw(frame []byte) error {
	var ev hub.PresenceEvent
	if err := json.Unmarshal(frame, &ev); err != nil {
		return fmt.Errorf("member %s: frame %s: %w", m.id, frame, err)
	}
	if ev.Type == "" {
		return nil // a message
	}
	m.mu.Lock()
	m.events = append(m.events, ev)
	m.mu.Unlock()
	return nil
}

// find returns the first event of type typ about member.
func (m *presenceMember) find(typ, member string) (hub.PresenceEvent, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ev := range m.events {
		if ev.Type == typ && ev.Member == member {
			return ev, true
		}
	}
	return hub.PresenceEvent{}, false
}

func TestHubPresenceAcrossNodesExpiresMembersOfADeadNode(t *testing.T) {
	const timeout = 2 * time.Second
	_, url := startServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, _ := newHub(t, url, nil, WithNodeID("a"), WithPresenceTimeout(timeout))
	b, _ := newHub(t, url, nil, WithNodeID("b"), WithPresenceTimeout(timeout))
	// c gets its own connection, to be closed abruptly.
	ncC := connect(t, url)
	brokerC, err := New(ncC, WithNodeID("c"), WithPresenceTimeout(timeout))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := hub.New(hub.WithBroker(brokerC), hub.WithDecoder(decodeChat), hub.WithPresenceEvent(rawPresence))

	ann, bob := &presenceMember{id: "ann"}, &presenceMember{id: "bob"}
	leaves := make(map[string]func())
	for _, j := range []struct {
		h *hub.Hub
		m hub.Member
	}{{a, ann}, {b, bob}, {c, &presenceMember{id: "carol"}}, {c, &presenceMember{id: "cid"}}} {
		leave, err := j.h.Join(ctx, "lobby", j.m, "", hub.PresenceInfo{User: j.m.ID()})
		if err != nil {
			t.Fatalf("Join %s: %v", j.m.ID(), err)
		}
		t.Cleanup(leave)
		leaves[j.m.ID()] = leave
	}
	ids := func(h *hub.Hub) []string {
		var out []string
		for _, pm := range h.Members("lobby") {
			out = append(out, pm.ID+"@"+pm.Node)
		}
		return out
	}
	all := []string{"ann@a", "bob@b", "carol@c", "cid@c"}
	for name, h := range map[string]*hub.Hub{"a": a, "b": b, "c": c} {
		eventually(t, 10*time.Second, "hub "+name+" lists every node's members", func() bool { return slices.Equal(ids(h), all) })
	}
	eventually(t, 10*time.Second, "ann is told carol joined on c", func() bool {
		ev, ok := ann.find(hub.EventJoin, "carol")
		return ok && ev.Node == "c" && ev.Info.User == "carol"
	})
	if _, ok := ann.find(hub.EventJoin, "ann"); ok {
		t.Fatal("ann was told of her own join")
	}

	// Node c loses NATS without anyone leaving.
	ncC.Close()
	live := []string{"ann@a", "bob@b"}
	eventually(t, 5*timeout, "c's members leave a's and b's Members", func() bool {
		return slices.Equal(ids(a), live) && slices.Equal(ids(b), live)
	})
	for _, m := range []*presenceMember{ann, bob} {
		for _, gone := range []string{"carol", "cid"} {
			eventually(t, 5*time.Second, m.id+" is told "+gone+" expired", func() bool {
				ev, ok := m.find(hub.EventLeave, gone)
				return ok && ev.Expired && ev.Node == "c"
			})
		}
	}
	if _, ok := ann.find(hub.EventLeave, "bob"); ok {
		t.Fatal("bob left while his node was alive")
	}
	_ = c.Close() // its broker cannot reach NATS: the leaves fail
	if err := brokerC.Close(); err != nil {
		t.Logf("closing the dead node's broker: %v", err)
	}

	// An explicit leave on a live node reaches the other node at once, and
	// is not an expiry.
	leaves["bob"]()
	eventually(t, 5*time.Second, "ann is told bob left", func() bool {
		_, ok := ann.find(hub.EventLeave, "bob")
		return ok
	})
	if ev, _ := ann.find(hub.EventLeave, "bob"); ev.Expired || ev.Node != "b" {
		t.Fatalf("bob's leave as ann saw it = %+v, want an explicit leave from b", ev)
	}
	if got := ids(a); !slices.Equal(got, []string{"ann@a"}) {
		t.Fatalf("a's members after bob left = %v", got)
	}
}

func TestHubHistoryAfterRestartComesFromTheBroker(t *testing.T) {
	const published = 30
	_, url := startServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	publishN := func(h *hub.Hub, n int) int64 {
		t.Helper()
		var last int64
		for i := range n {
			seq, err := h.Publish(ctx, "general", func(seq int64, at time.Time) (any, error) {
				return chatMessage{Text: fmt.Sprintf("m%d", seq), Sequence: seq, At: at.Format(time.RFC3339Nano)}, nil
			})
			if err != nil {
				t.Fatalf("Publish %d: %v", i, err)
			}
			last = seq
		}
		return last
	}

	// The first Hub publishes, then stops with its broker.
	b1, nc1 := newBroker(t, url, WithNodeID("first"))
	h1 := hub.New(hub.WithBroker(b1), hub.WithDecoder(decodeChat), hub.WithPresenceEvent(rawPresence))
	if last := publishN(h1, published); last != published {
		t.Fatalf("last sequence = %d, want %d", last, published)
	}
	_ = h1.Close()
	if err := b1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	nc1.Close()

	// The Hub that replaces it holds no room and no history in memory.
	h2, _ := newHub(t, url, []hub.Option{hub.WithHistoryLimit(10)}, WithNodeID("second"))
	if got := h2.History("general", 0, 0); len(got) != 0 {
		t.Fatalf("in-memory History of a new Hub = %d entries", len(got))
	}
	check := func(what string, got []hub.Entry, want ...int64) {
		t.Helper()
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
			msg, ok := e.Value.(chatMessage)
			if !ok || msg.Sequence != e.Seq || msg.Text != fmt.Sprintf("m%d", e.Seq) {
				t.Fatalf("%s: entry %d holds %#v, want the decoded chatMessage", what, e.Seq, e.Value)
			}
		}
		if !slices.Equal(seqs, want) {
			t.Fatalf("%s: sequences %v, want %v", what, seqs, want)
		}
	}
	seqRange := func(from, to int64) []int64 {
		var out []int64
		for s := from; s <= to; s++ {
			out = append(out, s)
		}
		return out
	}
	all, err := h2.HistoryContext(ctx, "general", 0, 0)
	if err != nil {
		t.Fatalf("HistoryContext: %v", err)
	}
	check("everything", all, seqRange(1, published)...)
	some, err := h2.HistoryContext(ctx, "general", 25, 3)
	if err != nil {
		t.Fatalf("HistoryContext after 25: %v", err)
	}
	check("after 25, limit 3", some, 26, 27, 28)

	// The re-created room continues the sequence, known before any message.
	m := newMember("late", 1)
	leave, err := h2.Join(ctx, "general", m, "", hub.PresenceInfo{})
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	defer leave()
	if info, ok := h2.Room("general"); !ok || info.LastSeq != published {
		t.Fatalf("re-created room = %+v, want LastSeq %d", info, published)
	}
	if seq := publishN(h2, 1); seq != published+1 {
		t.Fatalf("first sequence after the restart = %d, want %d", seq, published+1)
	}
	select {
	case <-m.done:
	case <-ctx.Done():
		t.Fatal("the new message did not reach the member")
	}
	// The window holds only the new message: older ones come from the broker.
	tail, err := h2.HistoryContext(ctx, "general", published-2, 0)
	if err != nil {
		t.Fatalf("HistoryContext across the restart: %v", err)
	}
	check("across the restart", tail, seqRange(published-1, published+1)...)
	if got := h2.History("general", 0, 0); len(got) != 1 {
		t.Fatalf("in-memory History after one message = %d entries, want 1", len(got))
	}
}

// rawPresence sends the Hub's own PresenceEvent to members.
func rawPresence(ev hub.PresenceEvent) any { return ev }
