package chatd_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/hub/natsbroker"
)

// startNATS runs an embedded single-node JetStream server (the server code
// chatd -data runs) on a random port for the test, stopped after every
// node of the test (cleanups run last in, first out).
func startNATS(t testing.TB) string {
	t.Helper()
	srv, url, err := natsbroker.RunEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return url
}

// clusterContext bounds a multi-node test; the machine may be busy.
func clusterContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// received is what one member saw of the room's messages, in order.
type received struct {
	seqs  []int64
	texts map[int64]string
}

// readMessages reads room events from s until want messages arrived (or
// ctx ends), ignoring presence events.
func readMessages(ctx context.Context, s chat.JoinClientStream, want int) (received, error) {
	got := received{texts: map[int64]string{}}
	for len(got.seqs) < want {
		ev, err := s.RecvWithContext(ctx)
		if err != nil {
			return got, fmt.Errorf("after %d of %d messages: %w", len(got.seqs), want, err)
		}
		if ev.Kind != "message" || ev.Message == nil {
			continue
		}
		got.seqs = append(got.seqs, ev.Message.Sequence)
		got.texts[ev.Message.Sequence] = ev.Message.Text
	}
	return got, nil
}

// upTo returns 1 … n.
func upTo(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i + 1)
	}
	return s
}

var users = []string{"alice", "bob", "carol"}

// sendAll runs senders goroutines, sender i posting perSender messages to
// room through nodes[i%len(nodes)] as users[i%3], and returns the text of
// each sequence Send returned.
func sendAll(t *testing.T, ctx context.Context, nodes []*node, tokens []string, room string, senders, perSender int, tag string) map[int64]string {
	t.Helper()
	var (
		mu   sync.Mutex
		sent = map[int64]string{}
		wg   sync.WaitGroup
	)
	errs := make(chan error, senders)
	for i := range senders {
		wg.Go(func() {
			n := nodes[i%len(nodes)]
			c := n.client()
			for j := range perSender {
				text := fmt.Sprintf("%s sender %d message %d", tag, i, j)
				m, err := c.Send(ctx, &chat.SendPayload{Token: tokens[i%len(nodes)], Room: room, Text: text})
				if err != nil {
					errs <- fmt.Errorf("sender %d on %s: %w", i, n.host, err)
					return
				}
				mu.Lock()
				if prev, dup := sent[m.Sequence]; dup {
					errs <- fmt.Errorf("sequence %d returned for %q and %q", m.Sequence, prev, text)
				}
				sent[m.Sequence] = text
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return sent
}

// startCluster starts a NATS server and three chatd nodes on it, named a,
// b and c, and logs a user into each (alice on a, bob on b, carol on c).
func startCluster(t *testing.T, ctx context.Context, presence time.Duration) ([]*node, []string) {
	t.Helper()
	url := startNATS(t)
	var nodes []*node
	var tokens []string
	for i, name := range []string{"a", "b", "c"} {
		n := startChatd(t, chatd.Config{NATSURL: url, NodeID: name, PresenceTimeout: presence})
		nodes = append(nodes, n)
		tokens = append(tokens, n.login(t, ctx, users[i]))
	}
	return nodes, tokens
}

func TestThreeNodesDeliverEveryMessageOnceInOneOrder(t *testing.T) {
	ctx := clusterContext(t)
	nodes, tokens := startCluster(t, ctx, 0)
	const room, senders, perSender = "cluster", 30, 5
	const total = senders * perSender

	// Two members per node; each user is on every node.
	type joinedMember struct {
		name string
		s    chat.JoinClientStream
	}
	var members []joinedMember
	for i, n := range nodes {
		for k := range 2 {
			u := (i + k) % len(users)
			tok := tokens[u]
			if u != i {
				tok = n.login(t, ctx, users[u])
			}
			s := joined(t, ctx, n.client(), tok, room, users[u])
			defer closeStream(t, s)
			members = append(members, joinedMember{fmt.Sprintf("%s on node %d", users[u], i), s})
		}
	}

	results := make([]received, len(members))
	readErrs := make([]error, len(members))
	var readers sync.WaitGroup
	for i, m := range members {
		readers.Go(func() { results[i], readErrs[i] = readMessages(ctx, m.s, total) })
	}
	sent := sendAll(t, ctx, nodes, tokens, room, senders, perSender, "cluster")
	readers.Wait()

	keys := make([]int64, 0, len(sent))
	for seq := range sent {
		keys = append(keys, seq)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, upTo(total)) {
		t.Fatalf("Send returned sequences %v, want 1…%d once each", keys, total)
	}
	for i, m := range members {
		if readErrs[i] != nil {
			t.Errorf("%s: %v", m.name, readErrs[i])
			continue
		}
		if !slices.Equal(results[i].seqs, upTo(total)) {
			t.Errorf("%s received sequences %v, want 1…%d in order, once each", m.name, results[i].seqs, total)
		}
		for seq, text := range results[i].texts {
			if sent[seq] != text {
				t.Errorf("%s: message %d is %q, Send returned it for %q", m.name, seq, text, sent[seq])
			}
		}
	}
}

func TestResumeOnAnotherNodeMissesNothing(t *testing.T) {
	ctx := clusterContext(t)
	nodes, tokens := startCluster(t, ctx, 0)
	const room, senders, perSender = "resume", 30, 3
	const total = 2 * senders * perSender

	// Phase one runs while the subscriber reads on node a; it leaves a
	// after 20 messages and rejoins on node b while phase two runs.
	var seen []int64
	sa := joined(t, ctx, nodes[0].client(), tokens[0], room, "alice")
	phaseOne := make(chan map[int64]string, 1)
	go func() { phaseOne <- sendAll(t, ctx, nodes, tokens, room, senders, perSender, "one") }()
	first, err := readMessages(ctx, sa, 20)
	closeStream(t, sa)
	if err != nil {
		t.Fatalf("on node a: %v", err)
	}
	seen = append(seen, first.seqs...)
	last := seen[len(seen)-1]

	phaseTwo := make(chan map[int64]string, 1)
	go func() { phaseTwo <- sendAll(t, ctx, nodes, tokens, room, senders, perSender, "two") }()
	sb, err := nodes[1].client().Join(ctx, &chat.JoinPayload{Token: tokens[1], Room: room, After: &last})
	if err != nil {
		t.Fatalf("rejoin on node b after %d: %v", last, err)
	}
	defer closeStream(t, sb)
	rest, err := readMessages(ctx, sb, total-len(seen))
	if err != nil {
		t.Fatalf("on node b after %d: %v", last, err)
	}
	seen = append(seen, rest.seqs...)
	sent := <-phaseOne
	for seq, text := range <-phaseTwo {
		sent[seq] = text
	}
	if len(sent) != total {
		t.Fatalf("%d messages sent, want %d", len(sent), total)
	}
	if !slices.Equal(seen, upTo(total)) {
		t.Fatalf("left node a after %d; over both nodes received %v, want 1…%d in order, once each", last, seen, total)
	}
	for seq, text := range rest.texts {
		if sent[seq] != text {
			t.Errorf("message %d on node b is %q, Send returned it for %q", seq, text, sent[seq])
		}
	}
	// Both stretches carried messages: the switch happened mid-stream.
	if len(first.seqs) == 0 || len(rest.seqs) == 0 {
		t.Fatalf("node a gave %d messages, node b %d", len(first.seqs), len(rest.seqs))
	}
}

// presenceOf reads room events from s until fn reports one it was
// waiting for (or ctx ends).
func presenceOf(ctx context.Context, s chat.JoinClientStream, fn func(*chat.RoomEvent) bool) error {
	for {
		ev, err := s.RecvWithContext(ctx)
		if err != nil {
			return err
		}
		if fn(ev) {
			return nil
		}
	}
}

func TestKilledNodeMembersExpireOnOtherNodes(t *testing.T) {
	ctx := clusterContext(t)
	const presence = 2 * time.Second
	url := startNATS(t)
	var nodes []*node
	for _, name := range []string{"a", "b"} {
		nodes = append(nodes, startChatd(t, chatd.Config{NATSURL: url, NodeID: name, PresenceTimeout: presence}))
	}
	// Node c runs on a broker and connection the test owns, so that it
	// can cut them without a goodbye.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, err := natsbroker.New(nc, natsbroker.WithNodeID("c"), natsbroker.WithPresenceTimeout(presence),
		natsbroker.WithLogger(slog.New(slog.DiscardHandler))) // the cut is logged as an error
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	c := serveChatd(t, chatd.Config{Broker: b})
	t.Cleanup(func() { _ = c.halt() })
	nodes = append(nodes, c)

	const room = "presence"
	var streams []chat.JoinClientStream
	for i, n := range nodes {
		s := joined(t, ctx, n.client(), n.login(t, ctx, users[i]), room, users[i])
		defer closeStream(t, s)
		streams = append(streams, s)
	}
	// alice (a) and bob (b) see carol join on node c: she joined after
	// them, so as a live event from another node.
	for i, s := range streams[:2] {
		err := presenceOf(ctx, s, func(ev *chat.RoomEvent) bool {
			if ev.Kind == "left" {
				t.Errorf("%s: %s left before the kill", users[i], ev.User)
			}
			return ev.Kind == "joined" && ev.User == "carol" && ev.Node != nil && *ev.Node == "c"
		})
		if err != nil {
			t.Fatalf("%s waiting for carol to join on node c: %v", users[i], err)
		}
	}

	// Kill node c: its NATS connection goes first, so its members never
	// leave the shared presence; then its server stops.
	nc.Close()
	if err := c.halt(); err != nil {
		t.Logf("node c after its connection was cut: %v", err)
	}

	// The others learn from the presence timeout; poll with a bounded
	// deadline, well above it.
	deadline, cancel := context.WithTimeout(ctx, 10*presence)
	defer cancel()
	for i, s := range streams[:2] {
		var left *chat.RoomEvent
		err := presenceOf(deadline, s, func(ev *chat.RoomEvent) bool {
			if ev.Kind == "left" && ev.User != "carol" {
				t.Errorf("%s: %s left, only carol's node died", users[i], ev.User)
			}
			if ev.Kind == "left" && ev.User == "carol" {
				left = ev
			}
			return left != nil
		})
		if err != nil {
			t.Fatalf("%s: carol's presence did not expire within %s of the kill: %v", users[i], 10*presence, err)
		}
		if left.Expired == nil || !*left.Expired || left.Node == nil || *left.Node != "c" {
			t.Errorf("%s: carol's leave %+v (expired %v, node %v), want expired on node c", users[i], left, deref(left.Expired), deref(left.Node))
		}
	}
}

// deref returns *p, or nil.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestDataDirKeepsHistoryAcrossRestart(t *testing.T) {
	ctx := clusterContext(t)
	dir := t.TempDir()
	const room = "durable"

	first := serveChatd(t, chatd.Config{DataDir: dir})
	t.Cleanup(func() { _ = first.halt() })
	tok := first.login(t, ctx, "alice")
	for i := range 5 {
		m, err := first.client().Send(ctx, &chat.SendPayload{Token: tok, Room: room, Text: fmt.Sprint("before ", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		if m.Sequence != int64(i+1) {
			t.Fatalf("message %d got sequence %d", i+1, m.Sequence)
		}
	}
	if err := first.halt(); err != nil {
		t.Fatalf("first chatd: %v", err)
	}

	second := startChatd(t, chatd.Config{DataDir: dir})
	c := second.client()
	tok = second.login(t, ctx, "bob")
	hist, err := c.History(ctx, &chat.HistoryPayload{Token: tok, Room: room, After: 0, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range hist {
		got = append(got, fmt.Sprintf("%d %s %s", m.Sequence, m.From, m.Text))
	}
	want := []string{"1 alice before 1", "2 alice before 2", "3 alice before 3", "4 alice before 4", "5 alice before 5"}
	if !slices.Equal(got, want) {
		t.Fatalf("history after restart %q, want %q", got, want)
	}

	// A join without "after" starts with the recent messages, which only
	// the stored history has after a restart.
	s := joined(t, ctx, c, tok, room, "bob")
	defer closeStream(t, s)
	recent, err := readMessages(ctx, s, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recent.seqs, upTo(5)) {
		t.Fatalf("join after restart sent %v, want 1…5", recent.seqs)
	}

	m, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: room, Text: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sequence != 6 {
		t.Fatalf("first message after restart has sequence %d, want 6", m.Sequence)
	}
	live, err := readMessages(ctx, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(live.seqs, []int64{6}) {
		t.Fatalf("live message %v, want 6", live.seqs)
	}

	after := int64(3)
	r, err := c.Join(ctx, &chat.JoinPayload{Token: tok, Room: room, After: &after})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, r)
	resumed, err := readMessages(ctx, r, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.seqs, []int64{4, 5, 6}) {
		t.Fatalf("join after 3 sent %v, want 4 5 6", resumed.seqs)
	}
}

func TestMemoryModeResumesFromTheWindow(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "alice")
	for i := range 6 {
		if _, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: "window", Text: fmt.Sprint(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	after := int64(4)
	s, err := c.Join(ctx, &chat.JoinPayload{Token: tok, Room: "window", After: &after})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, s)
	got, err := readMessages(ctx, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.seqs, []int64{5, 6}) {
		t.Fatalf("join after 4 sent %v, want 5 6", got.seqs)
	}
	if _, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: "window", Text: "7"}); err != nil {
		t.Fatal(err)
	}
	live, err := readMessages(ctx, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(live.seqs, []int64{7}) {
		t.Fatalf("live message %v, want 7", live.seqs)
	}
}

func TestBrokerModeIsCheckedAndSaid(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	t.Run("NATSURL and DataDir together are refused", func(t *testing.T) {
		if _, err := chatd.New(chatd.Config{JWTSecret: []byte("x"), Logger: quiet, NATSURL: "nats://127.0.0.1:1", DataDir: t.TempDir()}); err == nil {
			t.Fatal("New succeeded")
		}
	})
	t.Run("an unreachable NATS is an error", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, err := chatd.New(chatd.Config{JWTSecret: []byte("x"), Logger: quiet, NATSURL: "nats://" + addr}); err == nil {
			t.Fatal("New succeeded")
		}
	})
	url := startNATS(t)
	for _, tc := range []struct {
		name string
		cfg  chatd.Config
		want string
	}{
		{"memory", chatd.Config{}, "in-memory broker"},
		{"data", chatd.Config{DataDir: t.TempDir()}, "embedded JetStream"},
		{"nats", chatd.Config{NATSURL: strings.Replace(url, "nats://", "nats://chatd:hunter2@", 1)}, "NATS JetStream at nats://chatd:xxxxx@"},
		{"nats with a token", chatd.Config{NATSURL: strings.Replace(url, "nats://", "nats://hunter2@", 1)}, "NATS JetStream at nats://xxxxx@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.JWTSecret, tc.cfg.Logger = []byte("x"), quiet
			s, err := chatd.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Shutdown(context.Background()); err != nil {
					t.Error(err)
				}
			}()
			if mode := s.Mode(); !strings.Contains(mode, tc.want) || strings.Contains(mode, "hunter2") {
				t.Fatalf("mode %q, want it to contain %q and no password", mode, tc.want)
			}
		})
	}
}
