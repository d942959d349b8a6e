package chatd_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
)

// noQuotas turns chatd's per-user quotas off: the benchmarks post as fast
// as they can, which the default request rate would answer with 429.
var noQuotas = &chatd.Quotas{}

// benchRoom is a room with members spread over chatd nodes, for the
// broadcast benchmarks.
type benchRoom struct {
	nodes   []*node
	tokens  []string // one per node
	members []chat.JoinClientStream
}

// startBenchRoom starts the nodes of mode ("memory": one chatd on the
// in-memory broker; "nats": three chatd nodes on one embedded NATS server)
// and joins six members to room, spread evenly over the nodes.
func startBenchRoom(b *testing.B, ctx context.Context, mode, room string) *benchRoom {
	b.Helper()
	br := &benchRoom{}
	switch mode {
	case "memory":
		br.nodes = []*node{startChatd(b, chatd.Config{Quotas: noQuotas})}
	case "nats":
		url := startNATS(b)
		for _, name := range []string{"a", "b", "c"} {
			br.nodes = append(br.nodes, startChatd(b, chatd.Config{NATSURL: url, NodeID: name, Quotas: noQuotas}))
		}
	}
	for i, n := range br.nodes {
		br.tokens = append(br.tokens, n.login(b, ctx, users[i%len(users)]))
	}
	for i := range 6 {
		k := i % len(br.nodes)
		n := br.nodes[k]
		s := joined(b, ctx, n.client(), br.tokens[k], room, users[k%len(users)])
		b.Cleanup(func() { closeStream(b, s) })
		br.members = append(br.members, s)
	}
	return br
}

// waitFor reads s until the message with sequence seq arrives.
func waitFor(ctx context.Context, s chat.JoinClientStream, seq int64) error {
	for {
		ev, err := s.RecvWithContext(ctx)
		if err != nil {
			return fmt.Errorf("waiting for message %d: %w", seq, err)
		}
		if ev.Kind == "message" && ev.Message != nil && ev.Message.Sequence >= seq {
			if ev.Message.Sequence != seq {
				return fmt.Errorf("got message %d, want %d", ev.Message.Sequence, seq)
			}
			return nil
		}
	}
}

// BenchmarkBroadcastLatency measures one chat message's trip through
// chatd: send (HTTP POST) on one node until each of six members (spread
// over the nodes) has it over its WebSocket, one message at a time.
// "memory" is one chatd on the in-memory broker; "nats" three chatd nodes
// sharing one embedded NATS server, the sender's node rotating.
func BenchmarkBroadcastLatency(b *testing.B) {
	for _, mode := range []string{"memory", "nats"} {
		b.Run(mode, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			br := startBenchRoom(b, ctx, mode, "latency")
			clients := make([]*chat.Client, len(br.nodes))
			for i, n := range br.nodes {
				clients[i] = n.client()
			}
			for i := 0; b.Loop(); i++ {
				k := i % len(br.nodes)
				m, err := clients[k].Send(ctx, &chat.SendPayload{Token: br.tokens[k], Room: "latency", Text: "x"})
				if err != nil {
					b.Fatal(err)
				}
				for _, s := range br.members {
					if err := waitFor(ctx, s, m.Sequence); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkBroadcastThroughput measures how many chat messages per second
// reach every member: 30 concurrent senders spread over the nodes post
// b.N messages in all, and the clock stops when each of six members has
// received all of them. Modes as in BenchmarkBroadcastLatency.
func BenchmarkBroadcastThroughput(b *testing.B) {
	for _, mode := range []string{"memory", "nats"} {
		b.Run(mode, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			br := startBenchRoom(b, ctx, mode, "throughput")
			b.ResetTimer()
			start := time.Now()
			var readers, senders sync.WaitGroup
			errs := make(chan error, len(br.members)+30)
			for _, s := range br.members {
				readers.Go(func() {
					for got := 0; got < b.N; {
						ev, err := s.RecvWithContext(ctx)
						if err != nil {
							errs <- fmt.Errorf("after %d of %d messages: %w", got, b.N, err)
							return
						}
						if ev.Kind == "message" {
							got++
						}
					}
				})
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			for i := range 30 {
				senders.Go(func() {
					k := i % len(br.nodes)
					c := br.nodes[k].client()
					for left.Add(-1) >= 0 {
						if _, err := c.Send(ctx, &chat.SendPayload{Token: br.tokens[k], Room: "throughput", Text: "x"}); err != nil {
							errs <- err
							cancel()
							return
						}
					}
				})
			}
			senders.Wait()
			readers.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
