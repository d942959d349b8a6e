package natsbroker_test

import (
	"context"
	"encoding/json"
	"log"
	"time"

	"github.com/nats-io/nats.go"

	"duplex.dev/hub"
	"duplex.dev/hub/natsbroker"
)

type message struct {
	Text     string `json:"text"`
	Sequence int64  `json:"sequence"`
}

// One chatd node. With -data DIR it runs its own JetStream server, as
// here; with -nats URL it would connect to the cluster at URL instead.
func Example() {
	srv, url, err := natsbroker.RunEmbedded("/var/lib/chatd")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.WaitForShutdown()
	defer srv.Shutdown()
	nc, err := nats.Connect(url)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	b, err := natsbroker.New(nc, natsbroker.WithNodeID("chatd-1"))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	h := hub.New(hub.WithBroker(b), hub.WithDecoder(func(_ string, data []byte) (any, error) {
		var m message
		err := json.Unmarshal(data, &m)
		return m, err
	}))
	defer h.Close()
	ctx := context.Background()
	seq, err := h.Publish(ctx, "general", func(seq int64, _ time.Time) (any, error) {
		return message{Text: "hello", Sequence: seq}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("published message %d", seq)

	// History reaches past the Hub's memory into the room's stream.
	history, err := h.HistoryContext(ctx, "general", 0, 50)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%d messages in history", len(history))

	// A client that saw sequence 41 on another node resumes here: it is
	// handed 42 onwards, then live messages, with no gap or duplicate.
	var conn hub.Member // the client's connection
	leave, err := h.JoinAfter(ctx, "general", conn, "", hub.PresenceInfo{User: "ann"}, 41)
	if err != nil {
		log.Fatal(err)
	}
	defer leave()
}
