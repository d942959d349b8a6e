package resume

import (
	"testing"

	"duplex.dev/expr"
	"duplex.dev/ws"
)

// TestClientDefaultsAreTheServers ties a resumable client's defaults
// (Dial's) to the server's (DefaultConfig, ws.DefaultConfig) and the
// design's (expr): both sides of a stream buffer, acknowledge and check
// liveness alike unless told otherwise.
func TestClientDefaultsAreTheServers(t *testing.T) {
	server, plain, client := DefaultConfig(), ws.DefaultConfig(), defaultClientConfig()
	for _, c := range []struct {
		name                   string
		design, server, client any // nil: the design has no such setting
	}{
		{"replay buffer messages", nil, server.ReplayMessages, client.replayMessages},
		{"replay buffer bytes", nil, server.ReplayBytes, client.replayBytes},
		{"acknowledgement batch", nil, server.AckEvery, client.ackEvery},
		{"acknowledgement delay", nil, server.AckDelay, client.ackDelay},
		{"handshake timeout", nil, server.HelloTimeout, client.handshakeTimeout},
		{"heartbeat interval", expr.DefaultHeartbeatInterval, plain.HeartbeatInterval, client.heartbeat[0]},
		{"heartbeat timeout", expr.DefaultHeartbeatTimeout, plain.HeartbeatTimeout, client.heartbeat[1]},
	} {
		if c.design != nil && c.server != c.design {
			t.Errorf("%s: the design's default is %v, the server's %v", c.name, c.design, c.server)
		}
		if c.client != c.server {
			t.Errorf("%s: the server's default is %v, the client's %v", c.name, c.server, c.client)
		}
	}
	if client.retry != ws.DefaultRetryPolicy {
		t.Errorf("the client's retry policy is %+v, ws.DefaultRetryPolicy %+v", client.retry, ws.DefaultRetryPolicy)
	}
}
