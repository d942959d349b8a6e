package natsbroker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"duplex.dev/hub"
)

// payload is what the tests publish: who sent it and the sequence build
// was given, so a test can tell that the message carries its own sequence.
type payload struct {
	Pub int   `json:"pub"`
	N   int   `json:"n"`
	Seq int64 `json:"seq"`
}

func buildPayload(pub, n int) func(int64, time.Time) (hub.Envelope, error) {
	return func(seq int64, _ time.Time) (hub.Envelope, error) {
		data, err := json.Marshal(payload{Pub: pub, N: n, Seq: seq})
		return hub.Envelope{Data: data}, err
	}
}

// recorder collects the envelopes one subscription delivers and tells when
// it has want of them.
type recorder struct {
	mu   sync.Mutex
	envs []hub.Envelope
	want int
	done chan struct{}
}

func newRecorder(want int) *recorder { return &recorder{want: want, done: make(chan struct{})} }

func (r *recorder) deliver(env hub.Envelope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs = append(r.envs, env)
	if len(r.envs) == r.want {
		close(r.done)
	}
}

func (r *recorder) wait(t *testing.T, timeout time.Duration) []hub.Envelope {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(timeout):
		r.mu.Lock()
		n := len(r.envs)
		r.mu.Unlock()
		t.Fatalf("received %d of %d messages within %v", n, r.want, timeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.envs)
}

func TestPublishFromThreeNodesGivesConsecutiveSequencesSeenInOneOrder(t *testing.T) {
	const (
		nodes         = 3
		publishers    = 30 // in all, spread over the nodes
		perPublisher  = 20
		total         = publishers * perPublisher
		subsPerBroker = 2
	)
	_, url := startServer(t, "")
	brokers := make([]*Broker, nodes)
	for i := range brokers {
		brokers[i], _ = newBroker(t, url)
	}
	var recs []*recorder
	for _, b := range brokers {
		for range subsPerBroker {
			rec := newRecorder(total)
			cancel, err := b.Subscribe("general", rec.deliver)
			if err != nil {
				t.Fatalf("Subscribe: %v", err)
			}
			t.Cleanup(cancel)
			recs = append(recs, rec)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seqs := make(chan int64, total)
	errs := make(chan error, publishers)
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			b := brokers[p%nodes]
			for n := range perPublisher {
				seq, err := b.Publish(ctx, "general", buildPayload(p, n))
				if err != nil {
					errs <- fmt.Errorf("publisher %d message %d: %w", p, n, err)
					return
				}
				seqs <- seq
			}
		})
	}
	wg.Wait()
	for i, b := range brokers {
		t.Logf("broker %d: %+v", i, b.Stats())
	}
	close(seqs)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []int64
	for s := range seqs {
		got = append(got, s)
	}
	slices.Sort(got)
	for i, s := range got {
		if s != int64(i+1) {
			t.Fatalf("returned sequences are not 1..%d: position %d holds %d", total, i, s)
		}
	}

	first := recs[0].wait(t, 30*time.Second)
	seen := make(map[[2]int]bool)
	for i, env := range first {
		var p payload
		if err := json.Unmarshal(env.Data, &p); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if env.Seq != int64(i+1) || p.Seq != env.Seq {
			t.Fatalf("message %d: envelope seq %d, built with seq %d, want %d", i, env.Seq, p.Seq, i+1)
		}
		if env.Room != "general" {
			t.Fatalf("message %d: room %q", i, env.Room)
		}
		if seen[[2]int{p.Pub, p.N}] {
			t.Fatalf("message %d of publisher %d delivered twice", p.N, p.Pub)
		}
		seen[[2]int{p.Pub, p.N}] = true
	}
	for i, rec := range recs[1:] {
		envs := rec.wait(t, 30*time.Second)
		for j := range envs {
			if envs[j].Seq != first[j].Seq || string(envs[j].Data) != string(first[j].Data) || !envs[j].Time.Equal(first[j].Time) {
				t.Fatalf("subscriber %d message %d = seq %d %s, subscriber 0 has seq %d %s",
					i+1, j, envs[j].Seq, envs[j].Data, first[j].Seq, first[j].Data)
			}
		}
	}
}

func TestPublishBuildsAgainAfterAnotherNodeAppended(t *testing.T) {
	_, url := startServer(t, "")
	a, _ := newBroker(t, url)
	b, _ := newBroker(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if seq, err := a.Publish(ctx, "r", buildPayload(0, 0)); err != nil || seq != 1 {
		t.Fatalf("a.Publish = %d, %v; want 1", seq, err)
	}
	if seq, err := b.Publish(ctx, "r", buildPayload(1, 0)); err != nil || seq != 2 {
		t.Fatalf("b.Publish = %d, %v; want 2", seq, err)
	}
	// a still believes the room's last sequence is 1: its first attempt
	// is refused and build is called again with the next free sequence.
	var built []int64
	seq, err := a.Publish(ctx, "r", func(seq int64, at time.Time) (hub.Envelope, error) {
		built = append(built, seq)
		return buildPayload(0, 1)(seq, at)
	})
	if err != nil || seq != 3 {
		t.Fatalf("a.Publish after b's = %d, %v; want 3", seq, err)
	}
	if !slices.Equal(built, []int64{2, 3}) {
		t.Fatalf("build called with %v, want [2 3]", built)
	}
	if st := a.Stats(); st.Conflicts != 1 || st.Published != 2 {
		t.Fatalf("a.Stats() = %+v, want 1 conflict and 2 published", st)
	}
	h, err := b.History(ctx, "r", 2, 0)
	if err != nil || len(h) != 1 {
		t.Fatalf("History after 2 = %v, %v; want one message", h, err)
	}
	var p payload
	if err := json.Unmarshal(h[0].Data, &p); err != nil || p.Seq != 3 {
		t.Fatalf("message 3 holds %s (%v); want the one built with seq 3", h[0].Data, err)
	}
}

func TestHistoryAndSubscribeAfterReplayStoredMessages(t *testing.T) {
	_, url := startServer(t, "")
	b, _ := newBroker(t, url)
	other, _ := newBroker(t, url)
	const room = "team.blue/ü" // needs encoding in subjects and stream names
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if h, err := b.History(ctx, room, 0, 0); err != nil || h != nil {
		t.Fatalf("History of a room never published to = %v, %v; want nil, nil", h, err)
	}
	for n := range 10 {
		if _, err := b.Publish(ctx, room, buildPayload(0, n)); err != nil {
			t.Fatalf("Publish %d: %v", n, err)
		}
	}
	seqsOf := func(envs []hub.Envelope) []int64 {
		var out []int64
		for _, e := range envs {
			out = append(out, e.Seq)
		}
		return out
	}
	for _, tc := range []struct {
		after int64
		limit int
		want  []int64
	}{
		{after: 3, limit: 4, want: []int64{4, 5, 6, 7}},
		{after: 0, limit: 0, want: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{after: 8, limit: 5, want: []int64{9, 10}},
		{after: 10, limit: 0, want: nil},
	} {
		t.Run(fmt.Sprintf("after %d limit %d", tc.after, tc.limit), func(t *testing.T) {
			// Read through the other node: history does not depend on
			// which node published.
			h, err := other.History(ctx, room, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			if got := seqsOf(h); !slices.Equal(got, tc.want) {
				t.Fatalf("History sequences = %v, want %v", got, tc.want)
			}
			for _, e := range h {
				var p payload
				if err := json.Unmarshal(e.Data, &p); err != nil || p.Seq != e.Seq || p.N != int(e.Seq-1) {
					t.Fatalf("History entry %d holds %s (%v)", e.Seq, e.Data, err)
				}
			}
		})
	}

	rec := newRecorder(6)
	stop, err := other.SubscribeAfter(room, 5, rec.deliver)
	if err != nil {
		t.Fatalf("SubscribeAfter: %v", err)
	}
	defer stop()
	if _, err := b.Publish(ctx, room, buildPayload(0, 10)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, want := seqsOf(rec.wait(t, 10*time.Second)), []int64{6, 7, 8, 9, 10, 11}; !slices.Equal(got, want) {
		t.Fatalf("SubscribeAfter(5) delivered %v, want %v", got, want)
	}
	if last, err := other.LastSeq(ctx, room); err != nil || last != 11 {
		t.Fatalf("LastSeq = %d, %v; want 11", last, err)
	}
}

func TestBuildErrorConsumesNoSequence(t *testing.T) {
	_, url := startServer(t, "")
	b, _ := newBroker(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if seq, err := b.Publish(ctx, "r", buildPayload(0, 0)); err != nil || seq != 1 {
		t.Fatalf("Publish = %d, %v; want 1", seq, err)
	}
	errBuild := errors.New("cannot build")
	_, err := b.Publish(ctx, "r", func(int64, time.Time) (hub.Envelope, error) { return hub.Envelope{}, errBuild })
	if !errors.Is(err, errBuild) {
		t.Fatalf("Publish with a failing build: %v, want %v", err, errBuild)
	}
	if seq, err := b.Publish(ctx, "r", buildPayload(0, 1)); err != nil || seq != 2 {
		t.Fatalf("Publish after a failed build = %d, %v; want 2", seq, err)
	}
}

func TestCancelStopsDelivery(t *testing.T) {
	_, url := startServer(t, "")
	b, _ := newBroker(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	var got []int64
	stop, err := b.Subscribe("r", func(env hub.Envelope) {
		mu.Lock()
		got = append(got, env.Seq)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	// A second subscription tells when the message after cancel was
	// delivered, so the first would have had it by then.
	rec := newRecorder(2)
	stop2, err := b.Subscribe("r", rec.deliver)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer stop2()
	if _, err := b.Publish(ctx, "r", buildPayload(0, 0)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	eventually(t, 10*time.Second, "first message delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	stop()
	stop() // cancel may be called twice
	if _, err := b.Publish(ctx, "r", buildPayload(0, 1)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	rec.wait(t, 10*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, []int64{1}) {
		t.Fatalf("cancelled subscription received %v, want [1]", got)
	}
}

func TestClosedBrokerRefusesCalls(t *testing.T) {
	_, url := startServer(t, "")
	b, _ := newBroker(t, url)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := b.Publish(context.Background(), "r", buildPayload(0, 0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe("r", func(hub.Envelope) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if err := b.Presence().Join(context.Background(), "r", "m", hub.PresenceInfo{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Join after Close: %v, want ErrClosed", err)
	}
}

func TestTokenKeepsSafeNamesAndEncodesOthers(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"general", "general"},
		{"Team_1-a", "Team_1-a"},
		{"a.b", "=YS5i"},
		{"=YS5i", "=PVlTNWk"},
		{"", "="},
		{"a b*>", "=YSBiKj4"},
	} {
		if got := token(tc.name); got != tc.want {
			t.Errorf("token(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSubscriberMovingToAnotherNodeMidStreamMissesNothing(t *testing.T) {
	const total = 100
	_, url := startServer(t, "")
	a, _ := newBroker(t, url)
	b, _ := newBroker(t, url)
	pub, _ := newBroker(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var mu sync.Mutex
	var got []int64
	moved := make(chan struct{})
	stopA, err := a.Subscribe("r", func(env hub.Envelope) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, env.Seq)
		if len(got) == total/3 {
			close(moved) // the client's connection to node a drops here
		}
	})
	if err != nil {
		t.Fatalf("Subscribe on a: %v", err)
	}
	published := make(chan error, 1)
	go func() {
		for n := range total {
			if _, err := pub.Publish(ctx, "r", buildPayload(0, n)); err != nil {
				published <- err
				return
			}
		}
		published <- nil
	}()
	select {
	case <-moved:
	case <-ctx.Done():
		t.Fatal("subscriber on a never got a third of the messages")
	}
	stopA()
	mu.Lock()
	last := got[len(got)-1]
	mu.Unlock()

	rec := newRecorder(total - int(last))
	stopB, err := b.SubscribeAfter("r", last, rec.deliver)
	if err != nil {
		t.Fatalf("SubscribeAfter on b: %v", err)
	}
	defer stopB()
	if err := <-published; err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for _, env := range rec.wait(t, 20*time.Second) {
		got = append(got, env.Seq)
	}
	for i, seq := range got {
		if seq != int64(i+1) {
			t.Fatalf("after moving from a to b at sequence %d, position %d holds %d (all: %v)", last, i, seq, got)
		}
	}
}
