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

			// The room continues its sequence, and the subscription made
			// before the restart receives the new message.
			seq, err := b1.Publish(ctx, "general", buildPayload(0, 3))
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
