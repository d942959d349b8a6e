package natsbroker

import (
	"context"
	"testing"
	"time"

	"duplex.dev/hub"
)

func TestPublishWithMessageIDStoresARetryOnce(t *testing.T) {
	_, url := startServer(t, "")
	a, _ := newBroker(t, url)
	b, _ := newBroker(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	post := hub.WithMessageID(ctx, "alice/key-1")
	first, err := a.Publish(post, "r", buildPayload(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(ctx, "r", buildPayload(0, 1)); err != nil {
		t.Fatal(err)
	}
	// The client's retry reaches another node, which does not know the
	// room's last sequence has moved on.
	for _, n := range []*Broker{b, a} {
		seq, err := n.Publish(post, "r", buildPayload(0, 0))
		if err != nil || seq != first {
			t.Fatalf("retry = %d, %v; want the first message's sequence %d", seq, err, first)
		}
	}
	h, err := b.History(ctx, "r", 0, 0)
	if err != nil || len(h) != 2 {
		t.Fatalf("History = %d messages, %v; want 2 (the retried one once)", len(h), err)
	}
	if seq, err := a.Publish(ctx, "r", buildPayload(0, 2)); err != nil || seq != 3 {
		t.Fatalf("next Publish = %d, %v; want 3", seq, err)
	}
}
