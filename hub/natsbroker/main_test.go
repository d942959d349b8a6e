package natsbroker

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer runs an embedded JetStream server storing in dir (a fresh
// temporary directory when dir is empty) and stops it when the test ends.
func startServer(t *testing.T, dir string) (*server.Server, string) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, url, err := RunEmbedded(dir)
	if err != nil {
		t.Fatalf("RunEmbedded: %v", err)
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s, url
}

// connect opens a NATS connection closed when the test ends.
func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// newBroker returns a Broker on its own connection to url, closed (before
// its connection) when the test ends.
func newBroker(t *testing.T, url string, opts ...Option) (*Broker, *nats.Conn) {
	t.Helper()
	nc := connect(t, url)
	b, err := New(nc, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b, nc
}

// eventually polls cond every 20ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v", what, timeout)
		case <-tick.C:
		}
	}
}
