package natsbroker

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

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"duplex.dev/hub"
)

// lockedLog collects a logger's output from several goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// restartableServer is an embedded JetStream server that can be shut down
// and started again on the same port and store directory, as a nats-server
// restarted by its operator.
type restartableServer struct {
	t    *testing.T
	dir  string
	port int
	s    *server.Server
}

func startRestartable(t *testing.T) *restartableServer {
	t.Helper()
	rs := &restartableServer{t: t, dir: t.TempDir(), port: -1}
	rs.start()
	rs.port = rs.s.Addr().(*net.TCPAddr).Port
	t.Cleanup(rs.shutdown)
	return rs
}

func (rs *restartableServer) start() {
	rs.t.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: rs.port, JetStream: true, StoreDir: rs.dir, NoSigs: true, NoLog: true,
	})
	if err != nil {
		rs.t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10*time.Second) || !s.JetStreamEnabled() {
		s.Shutdown()
		rs.t.Fatal("embedded server not ready")
	}
	rs.s = s
}

func (rs *restartableServer) shutdown() {
	if rs.s != nil {
		rs.s.Shutdown()
		rs.s.WaitForShutdown()
		rs.s = nil
	}
}

func (rs *restartableServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", rs.port) }

// reconnectingBroker is a Broker on a connection that reconnects for ever,
// as chatd's does, logging into log.
func reconnectingBroker(t *testing.T, url string, log *lockedLog, opts ...Option) *Broker {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(log, nil))), WithPresenceTimeout(3 * time.Second)}, opts...)
	b, err := New(nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestBrokersRecoverWhenNATSRestarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"file storage keeps the streams", nil},
		{"memory storage loses the streams", []Option{WithMemoryStorage()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			rs := startRestartable(t)
			var log1, log2 lockedLog
			b1 := reconnectingBroker(t, rs.url(), &log1, append([]Option{WithNodeID("n1")}, tc.opts...)...)
			b2 := reconnectingBroker(t, rs.url(), &log2, append([]Option{WithNodeID("n2")}, tc.opts...)...)

			if err := b1.Join(ctx, "general", "m1", hub.PresenceInfo{User: "ann"}); err != nil {
				t.Fatal(err)
			}
			for n := range 3 {
				if _, err := b1.Publish(ctx, "general", buildPayload(0, n)); err != nil {
					t.Fatal(err)
				}
			}
			got := make(chan int64, 16)
			unsub, err := b2.Subscribe("general", func(e hub.Envelope) { got <- e.Seq })
			if err != nil {
				t.Fatal(err)
			}
			defer unsub()
			eventually(t, 10*time.Second, "n2 sees m1", func() bool { return slices.Contains(memberIDs(b2.Members("general")), "m1") })

			rs.shutdown()
			eventually(t, 10*time.Second, "both brokers not ready while NATS is down", func() bool {
				return b1.Ready() != nil && b2.Ready() != nil
			})
			rs.start()
			eventually(t, 20*time.Second, "both brokers ready again", func() bool {
				return b1.Ready() == nil && b2.Ready() == nil
			})

			// New joins work on both nodes, and presence works across them:
			// n1's member before the restart is back, n2's new one is seen.
			if err := b2.Join(ctx, "general", "m2", hub.PresenceInfo{User: "bob"}); err != nil {
				t.Fatalf("join on n2 after the restart: %v", err)
			}
			if err := b1.Join(ctx, "other", "m3", hub.PresenceInfo{User: "cid"}); err != nil {
				t.Fatalf("join on n1 after the restart: %v", err)
			}
			eventually(t, 10*time.Second, "both nodes see m1 and m2", func() bool {
				want := []string{"m1", "m2"}
				return slices.Equal(memberIDs(b1.Members("general")), want) && slices.Equal(memberIDs(b2.Members("general")), want)
			})

			// The room continues its sequence, even when published to by
			// the node that only subscribed to it, and the subscription made
			// before the restart receives the new message.
			seq, err := b2.Publish(ctx, "general", buildPayload(1, 0))
			if err != nil || seq != 4 {
				t.Fatalf("publish after the restart = %d, %v; want 4", seq, err)
			}
			deadline := time.After(30 * time.Second)
			for seen := false; !seen; {
				select {
				case s := <-got:
					seen = s == 4
				case <-deadline:
					t.Fatal("the subscription on n2 did not receive the message published after the restart")
				}
			}

			for name, log := range map[string]*lockedLog{"n1": &log1, "n2": &log2} {
				for _, want := range []string{"NATS connection lost", "NATS reconnected", "presence restored"} {
					if !strings.Contains(log.String(), want) {
						t.Errorf("%s's log lacks %q:\n%s", name, want, log.String())
					}
				}
			}
		})
	}
}

func TestMembersOfANodeThatDiedDuringARestartExpire(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rs := startRestartable(t)
	var log1 lockedLog
	b1 := reconnectingBroker(t, rs.url(), &log1, WithNodeID("n1"))
	nc2, err := nats.Connect(rs.url(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	b2, err := New(nc2, WithNodeID("n2"), WithPresenceTimeout(3*time.Second), WithTimeout(time.Second),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan hub.PresenceEvent, 16)
	defer b1.Watch("general", func(ev hub.PresenceEvent) { events <- ev })()
	for _, j := range []struct {
		b  *Broker
		id string
	}{{b1, "alive"}, {b2, "dead"}} {
		if err := j.b.Join(ctx, "general", j.id, hub.PresenceInfo{User: j.id}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case ev := <-events:
			if ev.Type != hub.EventJoin {
				t.Fatalf("before the restart: %+v", ev)
			}
		case <-ctx.Done():
			t.Fatal("n1 did not see both members join")
		}
	}

	// n2 dies while NATS is down: it cannot remove its entry, and the
	// restarted server does not have it either.
	rs.shutdown()
	_ = b2.Close()
	nc2.Close()
	rs.start()
	eventually(t, 20*time.Second, "n1 ready again", func() bool { return b1.Ready() == nil })

	// n1 keeps its own member without announcing it again, and the dead
	// node's member leaves as expired within about one presence timeout.
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			switch {
			case ev.Member == "alive":
				t.Fatalf("n1's own member was announced again after the restart: %+v", ev)
			case ev.Member == "dead" && ev.Type == hub.EventLeave:
				if !ev.Expired {
					t.Fatalf("the dead node's member left without Expired: %+v", ev)
				}
				if got := memberIDs(b1.Members("general")); !slices.Equal(got, []string{"alive"}) {
					t.Fatalf("members after the expiry %v, want [alive]", got)
				}
				return
			}
		case <-deadline:
			t.Fatalf("the dead node's member did not leave; members %v", memberIDs(b1.Members("general")))
		}
	}
}
