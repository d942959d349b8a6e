package chatd_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/hub/natsbroker"
)

// restartableNATS is an embedded JetStream server that the test shuts down
// and starts again on the same port and store directory, as an operator
// restarting nats-server under running chatd nodes.
type restartableNATS struct {
	t    *testing.T
	dir  string
	port int
	srv  *server.Server
}

func startRestartableNATS(t *testing.T) *restartableNATS {
	t.Helper()
	r := &restartableNATS{t: t, dir: t.TempDir(), port: -1}
	r.start()
	r.port = r.srv.Addr().(*net.TCPAddr).Port
	t.Cleanup(r.stop)
	return r
}

func (r *restartableNATS) start() {
	r.t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: r.port, JetStream: true, StoreDir: r.dir, NoSigs: true, NoLog: true})
	if err != nil {
		r.t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10*time.Second) || !srv.JetStreamEnabled() {
		srv.Shutdown()
		r.t.Fatal("NATS not ready")
	}
	r.srv = srv
}

func (r *restartableNATS) stop() {
	if r.srv != nil {
		r.srv.Shutdown()
		r.srv.WaitForShutdown()
		r.srv = nil
	}
}

func (r *restartableNATS) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", r.port) }

// readyz returns n's /readyz status.
func readyz(t *testing.T, n *node) int {
	t.Helper()
	resp, err := n.http.Get("http://" + n.host + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitUntil polls cond every 50ms until it holds, failing the test after
// timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		<-tick.C
	}
}

func TestNewJoinsWorkAfterNATSRestarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []natsbroker.Option
	}{
		{"file storage", nil},
		{"memory storage", []natsbroker.Option{natsbroker.WithMemoryStorage()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := clusterContext(t)
			nats := startRestartableNATS(t)
			var logs [2]lockedBuffer
			var nodes [2]*node
			var tokens [2]string
			for i, name := range []string{"a", "b"} {
				nodes[i] = startChatd(t, chatd.Config{
					NATSURL: nats.url(), NodeID: name, PresenceTimeout: 3 * time.Second, BrokerOptions: tc.opts,
					Logger: slog.New(slog.NewTextHandler(&logs[i], nil)),
				})
				tokens[i] = nodes[i].login(t, ctx, users[i])
				if st := readyz(t, nodes[i]); st != http.StatusOK {
					t.Fatalf("node %s: /readyz %d before the restart, want 200", name, st)
				}
			}
			// A room with history and a member before the restart.
			first := joined(t, ctx, nodes[0].client(), tokens[0], "general", users[0])
			defer closeStream(t, first)
			if _, err := nodes[0].client().Send(ctx, &chat.SendPayload{Token: tokens[0], Room: "general", Text: "before"}); err != nil {
				t.Fatal(err)
			}

			nats.stop()
			for i, n := range nodes {
				waitUntil(t, 15*time.Second, fmt.Sprintf("node %d /readyz 503 while NATS is down", i), func() bool {
					return readyz(t, n) == http.StatusServiceUnavailable
				})
				if got := scrape(t, n, "chatd_ready"); got != 0 {
					t.Errorf("node %d: chatd_ready %v while NATS is down, want 0", i, got)
				}
			}
			restarted := time.Now()
			nats.start()
			for i, n := range nodes {
				waitUntil(t, 20*time.Second, fmt.Sprintf("node %d /readyz 200 after NATS is back", i), func() bool {
					return readyz(t, n) == http.StatusOK
				})
				if got := scrape(t, n, "chatd_ready"); got != 1 {
					t.Errorf("node %d: chatd_ready %v after NATS is back, want 1", i, got)
				}
			}
			t.Logf("both nodes ready %v after NATS started again", time.Since(restarted).Round(time.Millisecond))

			// New joins succeed on both nodes, and they see each other.
			onA := joined(t, ctx, nodes[0].client(), tokens[0], "after", users[0])
			defer closeStream(t, onA)
			onB := joined(t, ctx, nodes[1].client(), tokens[1], "after", users[1])
			defer closeStream(t, onB)
			if err := presenceOf(ctx, onA, func(ev *chat.RoomEvent) bool { return ev.Kind == "joined" && ev.User == users[1] }); err != nil {
				t.Fatalf("the member on a does not see the one on b: %v", err)
			}
			// A message posted on b reaches the member on a.
			if _, err := nodes[1].client().Send(ctx, &chat.SendPayload{Token: tokens[1], Room: "after", Text: "hello"}); err != nil {
				t.Fatalf("send on b after the restart: %v", err)
			}
			got, err := readMessages(ctx, onA, 1)
			if err != nil || got.texts[got.seqs[0]] != "hello" {
				t.Fatalf("member on a: %+v, %v; want the message posted on b", got, err)
			}

			// A member that joined before the restart keeps receiving: the
			// room's stream (created again with memory storage) continues its
			// sequence and the node's subscription follows it.
			if _, err := nodes[1].client().Send(ctx, &chat.SendPayload{Token: tokens[1], Room: "general", Text: "after the restart"}); err != nil {
				t.Fatalf("send to general on b after the restart: %v", err)
			}
			got, err = readMessages(ctx, first, 2)
			if err != nil || got.seqs[1] != 2 || got.texts[2] != "after the restart" {
				t.Fatalf("member on a since before the restart: %+v, %v; want sequence 2 \"after the restart\"", got, err)
			}

			for i := range logs {
				for _, want := range []string{"NATS connection lost", "NATS reconnected"} {
					if !strings.Contains(logs[i].String(), want) {
						t.Errorf("node %d's log lacks %q:\n%s", i, want, logs[i].String())
					}
				}
			}
		})
	}
}
