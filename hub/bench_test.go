package hub_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/hub"
)

// fanoutMember is the cheapest possible hub.Member: it counts the frames
// it is handed, so the benchmark measures the Hub's
// fan-out and not a connection's queue.
type fanoutMember struct {
	id     string
	frames atomic.Int64
}

func (m *fanoutMember) ID() string { return m.id }

func (m *fanoutMember) SendRaw(frame []byte) error {
	m.frames.Add(1)
	return nil
}

// benchMessage is what the benchmark publishes: the shape of the chat
// example's Message.
type benchMessage struct {
	Sequence  int64  `json:"sequence"`
	Room      string `json:"room"`
	From      string `json:"from"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
}

// BenchmarkBroadcast publishes one message at a time to one room of 10,000
// members (in-memory broker, presence events off) and reports messages/s and
// deliveries/s. With two views in use, half the members join with a
// projection. It fails unless the Hub encoded each message exactly once per
// view in use (never per member) and every member got every message.
//
//	go test -run '^$' -bench BenchmarkBroadcast -benchmem ./hub
func BenchmarkBroadcast(b *testing.B) {
	const members = 10_000
	for _, views := range []int{1, 2} {
		b.Run("members=10000/views="+strconv.Itoa(views), func(b *testing.B) {
			h := hub.New(
				hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil }),
				hub.WithHistoryLimit(16),
				hub.WithView("tiny", func(v any) any {
					return struct {
						Text string `json:"text"`
					}{v.(*benchMessage).Text}
				}),
			)
			defer h.Close()
			ctx := context.Background()
			ms := make([]*fanoutMember, members)
			for i := range ms {
				ms[i] = &fanoutMember{id: "m" + strconv.Itoa(i)}
				view := ""
				if views == 2 && i%2 == 1 {
					view = "tiny"
				}
				if _, err := h.Join(ctx, "room", ms[i], view, hub.PresenceInfo{User: ms[i].id}); err != nil {
					b.Fatal(err)
				}
			}
			before := h.Stats()
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
			b.ReportAllocs()
			published := 0
			for b.Loop() {
				_, err := h.Publish(ctx, "room", func(seq int64, _ time.Time) (any, error) {
					return &benchMessage{Sequence: seq, Room: "room", From: "bench", Text: "hello, room", Timestamp: at}, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				published++
			}
			b.StopTimer()
			elapsed := b.Elapsed().Seconds()
			b.ReportMetric(float64(published)/elapsed, "msgs/s")
			b.ReportMetric(float64(published*members)/elapsed, "deliveries/s")

			after := h.Stats()
			if got, want := after.Encodes-before.Encodes, int64(published*views); got != want {
				b.Fatalf("%d encodes for %d messages with %d views in use, want %d (one per view per message)", got, published, views, want)
			}
			if got, want := after.Frames-before.Frames, int64(published*members); got != want {
				b.Fatalf("%d frames handed to members, want %d", got, want)
			}
			for _, m := range ms {
				if got := m.frames.Load(); got != int64(published) {
					b.Fatalf("member %s got %d frames, want %d", m.id, got, published)
				}
			}
		})
	}
}
