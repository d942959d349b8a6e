package natsbroker

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"duplex.dev/hub"
)

// startCluster runs three clustered JetStream servers in-process on
// loopback ports, waits until they have elected a JetStream leader, and
// returns their client URLs. A clustered JetStream server needs its routes
// in its configuration, so the route ports are picked before the servers
// start (a free port is found by listening on port 0 and closing).
func startCluster(t *testing.T) []string {
	t.Helper()
	routes := make([]*url.URL, 3)
	for i := range routes {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		routes[i] = &url.URL{Scheme: "nats-route", Host: l.Addr().String()}
		l.Close()
	}
	servers := make([]*server.Server, len(routes))
	for i, r := range routes {
		port, _ := strconv.Atoi(r.Port())
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("s%d", i),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "duplex-test", Host: "127.0.0.1", Port: port},
			Routes:     routes,
		})
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		s.Start()
		t.Cleanup(func() {
			s.Shutdown()
			s.WaitForShutdown()
		})
		servers[i] = s
	}
	for i, s := range servers {
		if !s.ReadyForConnections(20 * time.Second) {
			t.Fatalf("server %d not ready", i)
		}
	}
	eventually(t, 30*time.Second, "the cluster elects a JetStream leader", func() bool {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	urls := make([]string, len(servers))
	for i, s := range servers {
		urls[i] = s.ClientURL()
	}
	return urls
}

func TestClusterOfThreeServersWithReplicatedRooms(t *testing.T) {
	const (
		publishers = 9
		perPub     = 10
		total      = publishers * perPub
	)
	urls := startCluster(t)
	brokers := make([]*Broker, len(urls))
	for i, u := range urls {
		nc := connect(t, u) // each node talks to its own server
		var b *Broker
		// Right after the leader election the cluster may still refuse to
		// place a replicated bucket; New is retried until it accepts.
		eventually(t, 30*time.Second, "New on server "+u, func() bool {
			var err error
			b, err = New(nc, WithReplicas(3), WithNodeID(fmt.Sprintf("n%d", i)))
			return err == nil
		})
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		brokers[i] = b
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Create the replicated stream before subscribing everywhere.
	if _, err := brokers[0].Publish(ctx, "general", buildPayload(-1, 0)); err != nil {
		t.Fatalf("first Publish: %v", err)
	}
	var recs []*recorder
	for _, b := range brokers {
		rec := newRecorder(total)
		cancel, err := b.Subscribe("general", rec.deliver)
		if err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
		t.Cleanup(cancel)
		recs = append(recs, rec)
	}
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		wg.Go(func() {
			for n := range perPub {
				if _, err := brokers[p%len(brokers)].Publish(ctx, "general", buildPayload(p, n)); err != nil {
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
	for i, b := range brokers {
		t.Logf("broker %d: %+v", i, b.Stats())
	}
	first := recs[0].wait(t, 30*time.Second)
	for i, env := range first {
		if env.Seq != int64(i+2) {
			t.Fatalf("message %d has sequence %d, want %d", i, env.Seq, i+2)
		}
	}
	for i, rec := range recs[1:] {
		for j, env := range rec.wait(t, 30*time.Second) {
			if env.Seq != first[j].Seq || string(env.Data) != string(first[j].Data) {
				t.Fatalf("subscriber %d message %d differs from subscriber 0's", i+1, j)
			}
		}
	}

	// Presence works across servers too.
	if err := brokers[2].Presence().Join(ctx, "general", "zoe", hub.PresenceInfo{User: "zoe"}); err != nil {
		t.Fatalf("Join: %v", err)
	}
	eventually(t, 10*time.Second, "a node on another server sees zoe", func() bool {
		ms := brokers[0].Presence().Members("general")
		return len(ms) == 1 && ms[0].ID == "zoe" && ms[0].Node == "n2"
	})
}
