package natsbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"duplex.dev/hub"
)

// chatMessage is the application's message type in the Hub tests.
type chatMessage struct {
	Text     string `json:"text"`
	Sequence int64  `json:"sequence"`
	At       string `json:"at"`
}

// member is a hub.Member that keeps the chat messages it receives (not
// presence events) and tells when it has want of them.
type member struct {
	id   string
	want int

	mu   sync.Mutex
	msgs []chatMessage
	done chan struct{}
}

func newMember(id string, want int) *member {
	return &member{id: id, want: want, done: make(chan struct{})}
}

func (m *member) ID() string { return m.id }

func (m *member) SendRaw(frame []byte) error {
	var msg chatMessage
	if err := json.Unmarshal(frame, &msg); err != nil {
		return fmt.Errorf("member %s: frame %s: %w", m.id, frame, err)
	}
	if msg.Text == "" {
		return nil // a presence event
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	if len(m.msgs) == m.want {
		close(m.done)
	}
	return nil
}

func TestHubsOnThreeNodesShareARoom(t *testing.T) {
	const (
		nodes      = 3
		perNode    = 2 // members
		publishers = 9
		perPub     = 10
		total      = publishers * perPub
	)
	_, url := startServer(t, "")
	decode := func(_ string, data []byte) (any, error) {
		var m chatMessage
		err := json.Unmarshal(data, &m)
		return m, err
	}
	hubs := make([]*hub.Hub, nodes)
	var members []*member
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range hubs {
		b, _ := newBroker(t, url)
		h := hub.New(hub.WithBroker(b), hub.WithDecoder(decode), hub.WithHistoryLimit(total))
		t.Cleanup(func() { _ = h.Close() })
		hubs[i] = h
		for j := range perNode {
			m := newMember(fmt.Sprintf("n%d-m%d", i, j), total)
			leave, err := h.Join(ctx, "general", m, "", hub.PresenceInfo{User: m.id})
			if err != nil {
				t.Fatalf("Join: %v", err)
			}
			t.Cleanup(leave)
			members = append(members, m)
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		wg.Go(func() {
			h := hubs[p%nodes]
			for n := range perPub {
				_, err := h.Publish(ctx, "general", func(seq int64, at time.Time) (any, error) {
					return chatMessage{Text: fmt.Sprintf("p%d-%d", p, n), Sequence: seq, At: at.Format(time.RFC3339Nano)}, nil
				})
				if err != nil {
					errs <- fmt.Errorf("publisher %d: %w", p, err)
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

	var first []chatMessage
	for i, m := range members {
		select {
		case <-m.done:
		case <-ctx.Done():
			m.mu.Lock()
			n := len(m.msgs)
			m.mu.Unlock()
			t.Fatalf("member %s received %d of %d messages", m.id, n, total)
		}
		m.mu.Lock()
		msgs := m.msgs
		m.mu.Unlock()
		if i == 0 {
			first = msgs
			texts := make(map[string]bool)
			for k, msg := range msgs {
				if msg.Sequence != int64(k+1) {
					t.Fatalf("member %s message %d has sequence %d", m.id, k, msg.Sequence)
				}
				if texts[msg.Text] {
					t.Fatalf("member %s received %q twice", m.id, msg.Text)
				}
				texts[msg.Text] = true
			}
			continue
		}
		for k := range msgs {
			if msgs[k] != first[k] {
				t.Fatalf("member %s message %d = %+v, member %s has %+v", m.id, k, msgs[k], members[0].id, first[k])
			}
		}
	}

	// Each Hub's history holds every message, decoded into the application's
	// type although most were published on other nodes.
	for i, h := range hubs {
		entries := h.History("general", 0, 0)
		if len(entries) != total {
			t.Fatalf("hub %d history has %d entries, want %d", i, len(entries), total)
		}
		if msg, ok := entries[total-1].Value.(chatMessage); !ok || msg != first[total-1] {
			t.Fatalf("hub %d last history entry = %#v, want %+v", i, entries[total-1].Value, first[total-1])
		}
	}
}

func TestRestartOnTheSameDirectoryKeepsHistoryAndSequence(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// run starts the server on dir and returns the history it finds, then
	// publishes n messages and returns the last sequence and the history
	// after them.
	run := func(publish int) (found []hub.Envelope, last int64, after []hub.Envelope) {
		t.Helper()
		s, url, err := RunEmbedded(dir)
		if err != nil {
			t.Fatalf("RunEmbedded: %v", err)
		}
		defer func() {
			s.Shutdown()
			s.WaitForShutdown()
		}()
		nc := connect(t, url)
		defer nc.Close()
		b, err := New(nc)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		found, err = b.History(ctx, "general", 0, 0)
		if err != nil {
			t.Fatalf("History: %v", err)
		}
		for n := range publish {
			if last, err = b.Publish(ctx, "general", buildPayload(0, n)); err != nil {
				t.Fatalf("Publish: %v", err)
			}
		}
		if after, err = b.History(ctx, "general", 0, 0); err != nil {
			t.Fatalf("History: %v", err)
		}
		return found, last, after
	}
	h, last, before := run(5)
	if len(h) != 0 || last != 5 {
		t.Fatalf("first run: history %d messages, last sequence %d; want 0 and 5", len(h), last)
	}
	h, next, _ := run(1)
	if len(h) != len(before) || len(before) != 5 {
		t.Fatalf("after restart: history has %d messages, want the %d published before", len(h), len(before))
	}
	for i := range h {
		if h[i].Seq != before[i].Seq || string(h[i].Data) != string(before[i].Data) || !h[i].Time.Equal(before[i].Time) {
			t.Fatalf("after restart: message %d = %d %s, before %d %s", i, h[i].Seq, h[i].Data, before[i].Seq, before[i].Data)
		}
	}
	if next != 6 {
		t.Fatalf("first sequence after restart = %d, want 6", next)
	}
}

func TestRunEmbeddedRejectsEmptyDir(t *testing.T) {
	if _, _, err := RunEmbedded(""); err == nil {
		t.Fatal("RunEmbedded(\"\") succeeded")
	}
}
