package natsbroker

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"duplex.dev/hub"
)

// BenchmarkPublishToOtherNode measures one message's trip: Publish on one
// broker until a subscriber on another broker (another connection: another
// node) has it, one message at a time. "memory" is the in-memory broker of
// one process, for the added cost of going through NATS. Record results in
// BENCHMARKS.md with the command that made them.
func BenchmarkPublishToOtherNode(b *testing.B) {
	data := []byte(`{"text":"hello","sequence":1}`)
	build := func(int64, time.Time) (hub.Envelope, error) { return hub.Envelope{Data: data}, nil }
	run := func(b *testing.B, pub, sub hub.Broker) {
		delivered := make(chan struct{}, 1)
		cancel, err := sub.Subscribe("bench", func(hub.Envelope) { delivered <- struct{}{} })
		if err != nil {
			b.Fatalf("Subscribe: %v", err)
		}
		defer cancel()
		ctx, stop := context.WithTimeout(context.Background(), 5*time.Minute)
		defer stop()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pub.Publish(ctx, "bench", build); err != nil {
				b.Fatalf("Publish: %v", err)
			}
			select {
			case <-delivered:
			case <-ctx.Done():
				b.Fatal("message not delivered")
			}
		}
	}
	b.Run("memory", func(b *testing.B) {
		m := hub.NewMemoryBroker(nil)
		run(b, m, m)
	})
	for _, mode := range []struct {
		name string
		opts []Option
	}{
		{"nats-file", nil},
		{"nats-memory", []Option{WithMemoryStorage()}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			s, url, err := RunEmbedded(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				s.Shutdown()
				s.WaitForShutdown()
			}()
			var brokers [2]*Broker
			for i := range brokers {
				nc, err := nats.Connect(url)
				if err != nil {
					b.Fatal(err)
				}
				defer nc.Close()
				if brokers[i], err = New(nc, mode.opts...); err != nil {
					b.Fatal(err)
				}
				defer brokers[i].Close()
			}
			run(b, brokers[0], brokers[1])
		})
	}
}
