package ws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/expr"
)

// TestDesignServerAndClientDefaultsAgree ties the design's defaults (expr,
// which the generators compare a design's settings with, to leave out the
// options that equal them), the server's (DefaultConfig) and the client's
// (Dial's): a default changed in one of them alone would make generated
// code quietly run with other limits than its design says, or a client
// refuse frames its server sends.
func TestDesignServerAndClientDefaultsAgree(t *testing.T) {
	server := DefaultConfig()
	client := newDialConfig(DialConfig{})
	for _, c := range []struct {
		name                   string
		design, server, client any // nil: that side has no such setting
	}{
		{"read limit", expr.DefaultReadLimit, server.ReadLimit, client.readLimit},
		{"send queue", expr.DefaultSendQueue, server.SendQueue, client.sendQueue},
		{"heartbeat interval", expr.DefaultHeartbeatInterval, server.HeartbeatInterval, nil},
		{"heartbeat timeout", expr.DefaultHeartbeatTimeout, server.HeartbeatTimeout, nil},
	} {
		if c.server != c.design {
			t.Errorf("%s: the design's default is %v, the server's %v", c.name, c.design, c.server)
		}
		if c.client != nil && c.client != c.server {
			t.Errorf("%s: the server's default is %v, the client's %v", c.name, c.server, c.client)
		}
	}
	if client.retry != DefaultRetryPolicy {
		t.Errorf("the client's retry policy is %+v, DefaultRetryPolicy %+v", client.retry, DefaultRetryPolicy)
	}
}

// TestDialQueueOptionsSizeTheClientsQueues dials a real server with and
// without DialConfig.SendQueue and ReceiveQueue and checks the queues
// the connection got.
func TestDialQueueOptionsSizeTheClientsQueues(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, _, _ = c.Read(r.Context()) // until the client closes
	}))
	defer srv.Close()
	for _, c := range []struct {
		name          string
		cfg           DialConfig
		send, receive int
	}{
		{"defaults", DialConfig{}, 256, 16},
		{"set", DialConfig{SendQueue: 3, ReceiveQueue: 2}, 3, 2},
		{"below 1 keeps the defaults", DialConfig{SendQueue: 0, ReceiveQueue: -1}, 256, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := Dial(ctx, srv.URL, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got := cap(conn.out); got != c.send {
				t.Errorf("send queue holds %d frames, want %d", got, c.send)
			}
			if got := cap(conn.in); got != c.receive {
				t.Errorf("receive queue holds %d frames, want %d", got, c.receive)
			}
		})
	}
}
