package natsbroker

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// RunEmbedded starts a single-node NATS server with JetStream inside this
// process, storing streams in files under dir, and listening on a random
// port of 127.0.0.1 only. It returns when the server accepts connections,
// with the URL to give nats.Connect. This is what chatd -data DIR runs: one
// machine keeps its rooms' history across restarts with no extra process.
//
// Stop the server with Shutdown then WaitForShutdown. Messages acknowledged
// by the server are written to the operating system before the
// acknowledgement, so they survive the process being killed; they reach the
// disk itself at the server's sync interval (2 minutes by default), so a
// power loss may lose the last ones.
func RunEmbedded(dir string) (*server.Server, string, error) {
	if dir == "" {
		return nil, "", errors.New("natsbroker: embedded server: empty store directory")
	}
	opts := &server.Options{
		ServerName: "duplex-embedded",
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("natsbroker: embedded server in %s: %w", dir, err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, "", fmt.Errorf("natsbroker: embedded server in %s: not ready after 10s", dir)
	}
	if !s.JetStreamEnabled() {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, "", fmt.Errorf("natsbroker: embedded server in %s: JetStream did not start", dir)
	}
	return s, s.ClientURL(), nil
}
