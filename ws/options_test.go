package ws

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialStatus dials /stream and returns the HTTP status and body of a
// refused handshake (101 when it was accepted).
func dialStatus(t *testing.T, ts *testServer, opts *websocket.DialOptions) (int, string) {
	t.Helper()
	c, resp, err := websocket.Dial(context.Background(), ts.wsURL("/stream"), opts)
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
		return resp.StatusCode, ""
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func originHeader(origin string) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}}
}

func TestOriginPolicy(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Config
		origin string
		status int
	}{
		{name: "cross-origin is refused by default", origin: "https://evil.example", status: http.StatusForbidden},
		{name: "same origin is accepted", origin: "", status: http.StatusSwitchingProtocols},
		{name: "no Origin header (not a browser) is accepted", status: http.StatusSwitchingProtocols},
		{name: "an allowed origin is accepted", cfg: Config{Origins: []string{"app.example"}}, origin: "https://app.example", status: http.StatusSwitchingProtocols},
		{name: "a pattern allows subdomains", cfg: Config{Origins: []string{"*.example.com"}}, origin: "https://chat.example.com", status: http.StatusSwitchingProtocols},
		{name: "others stay refused with an allow-list", cfg: Config{Origins: []string{"app.example"}}, origin: "https://evil.example", status: http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, echoHandler, tc.cfg)
			good := ts.goodPeer(t)
			origin := tc.origin
			if tc.name == "same origin is accepted" {
				origin = ts.URL
			}
			var opts *websocket.DialOptions
			if origin != "" {
				opts = originHeader(origin)
			}
			status, body := dialStatus(t, ts, opts)
			if status != tc.status {
				t.Errorf("status = %d %q, want %d", status, body, tc.status)
			}
			if status == http.StatusForbidden && !strings.Contains(body, "origin not allowed") {
				t.Errorf("403 body %q does not say why", body)
			}
			good.echoes(t)
		})
	}
}

func TestConnectionLimitsRefuseBeforeUpgrade(t *testing.T) {
	hold := func(ctx context.Context, c *Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}
	cases := []struct {
		name   string
		cfg    Config
		status int
		body   string
	}{
		{name: "over MaxConnections gets 503", cfg: Config{MaxConnections: 2}, status: http.StatusServiceUnavailable, body: "too many connections"},
		{name: "over MaxConnectionsPerIP gets 429", cfg: Config{MaxConnectionsPerIP: 2}, status: http.StatusTooManyRequests, body: "from this address"},
		{name: "over the upgrade rate gets 429", cfg: Config{UpgradeRate: 0.001, UpgradeBurst: 2}, status: http.StatusTooManyRequests, body: "too many new connections"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, hold, tc.cfg)
			good := ts.goodPeer(t) // the first of two allowed
			held := ts.dial(t, "/stream", nil)
			status, body := dialStatus(t, ts, nil)
			if status != tc.status || !strings.Contains(body, tc.body) {
				t.Errorf("third connection: %d %q, want %d containing %q", status, body, tc.status, tc.body)
			}
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle = %v for a refused request, want nil", err)
			}
			good.echoes(t)
			// Connection limits count live connections only.
			_ = held.Close(websocket.StatusNormalClosure, "")
			ts.handlerResult(t)
			ts.waitRelease(t)
			status, _ = dialStatus(t, ts, nil)
			wantAfter := http.StatusSwitchingProtocols
			if strings.Contains(tc.name, "rate") {
				wantAfter = tc.status // the bucket refills slowly
			}
			if status != wantAfter {
				t.Errorf("after one closed: %d, want %d", status, wantAfter)
			}
		})
	}
}

func TestSubprotocolIsNegotiatedAndVisible(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		return c.Send(ctx, c.Subprotocol())
	}, Config{Subprotocols: []string{"duplex.v1", "chat"}})
	cases := []struct {
		name  string
		asked []string
		want  string
	}{
		{name: "a supported one is chosen", asked: []string{"chat"}, want: "chat"},
		{name: "the server's preference wins", asked: []string{"chat", "duplex.v1"}, want: "duplex.v1"},
		{name: "an unknown one gets none", asked: []string{"mqtt"}, want: ""},
		{name: "asking none gets none", want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t, "/stream", &websocket.DialOptions{Subprotocols: tc.asked})
			if c.Subprotocol() != tc.want {
				t.Errorf("client sees %q, want %q", c.Subprotocol(), tc.want)
			}
			_, b, err := c.Read(context.Background())
			if err != nil || string(b) != `"`+tc.want+`"` {
				t.Errorf("handler saw %s (%v), want %q", b, err, tc.want)
			}
			ts.endsNormally(t, c)
		})
	}
}

func TestCompressionIsNegotiatedOnRequest(t *testing.T) {
	big := `"` + strings.Repeat("compressible ", 200) + `"`
	cases := []struct {
		name string
		cfg  Config
		ask  bool
		want bool
	}{
		{name: "enabled and asked for", cfg: Config{CompressionThreshold: 64}, ask: true, want: true},
		{name: "enabled but not asked for", cfg: Config{CompressionThreshold: 64}, ask: false, want: false},
		{name: "asked for but off by default", ask: true, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, echoHandler, tc.cfg)
			opts := &websocket.DialOptions{}
			if tc.ask {
				opts.CompressionMode = websocket.CompressionNoContextTakeover
			}
			c, resp, err := websocket.Dial(context.Background(), ts.wsURL("/stream"), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != tc.want {
				t.Errorf("Sec-WebSocket-Extensions = %q, want deflate %v", ext, tc.want)
			}
			if tc.want && !strings.Contains(ext, "server_no_context_takeover") {
				t.Errorf("Sec-WebSocket-Extensions = %q, want no context takeover", ext)
			}
			write(t, c, websocket.MessageText, []byte(big))
			_, b, err := c.Read(context.Background())
			if err != nil || string(b) != big {
				t.Errorf("echo of a compressible message failed: %v", err)
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			ts.handlerResult(t)
		})
	}
}

// TestConfigLayers resolves a method's configuration from the server's
// Config, its Endpoint's and Config.Methods: zero fields take the layer
// below, set ones win, negative ones turn off what a lower layer turned
// on, and the server-wide fields are the server's only.
func TestConfigLayers(t *testing.T) {
	def := DefaultConfig()
	cases := []struct {
		name                  string
		server, endpoint, cfg Config // cfg: the Methods entry for test.m
		check                 func(Config) string
	}{
		{name: "the zero Config is DefaultConfig", check: func(c Config) string {
			if c.ReadLimit != def.ReadLimit || c.HeartbeatInterval != def.HeartbeatInterval || c.HeartbeatTimeout != def.HeartbeatTimeout ||
				c.WriteTimeout != def.WriteTimeout || c.SendQueue != def.SendQueue || c.SlowConsumer != Disconnect || c.UpgradeHeaderLimit != def.UpgradeHeaderLimit {
				return "not the defaults"
			}
			return ""
		}},
		{name: "the endpoint's fields win over the server's", server: Config{ReadLimit: 1000, SendQueue: 8}, endpoint: Config{ReadLimit: 10},
			check: func(c Config) string {
				if c.ReadLimit != 10 || c.SendQueue != 8 {
					return "read limit and send queue not 10 and 8"
				}
				return ""
			}},
		{name: "Methods wins over the endpoint", endpoint: Config{ReadLimit: 10, WriteDelay: time.Second}, cfg: Config{ReadLimit: 20},
			check: func(c Config) string {
				if c.ReadLimit != 20 || c.WriteDelay != time.Second {
					return "read limit and write delay not 20 and 1s"
				}
				return ""
			}},
		{name: "a negative field turns off what the server turned on",
			server:   Config{HeartbeatInterval: time.Second, WriteDelay: time.Second, CompressionThreshold: 64, MessageRate: 5, SubjectMessageRate: 5},
			endpoint: Config{HeartbeatInterval: -1, WriteDelay: -1, CompressionThreshold: -1, MessageRate: -1, SubjectMessageRate: -1},
			check: func(c Config) string {
				if c.HeartbeatInterval > 0 || c.WriteDelay > 0 || c.CompressionThreshold > 0 || c.MessageRate > 0 || c.SubjectMessageRate > 0 {
					return "something still on"
				}
				return ""
			}},
		{name: "Disconnect overrides the server's DropOldest", server: Config{SlowConsumer: DropOldest}, endpoint: Config{SlowConsumer: Disconnect},
			check: func(c Config) string {
				if c.SlowConsumer != Disconnect {
					return "policy " + c.SlowConsumer.String()
				}
				return ""
			}},
		{name: "server-wide fields are the server's only", server: Config{MaxConnections: 5}, endpoint: Config{MaxConnections: 1, UpgradeRate: 1}, cfg: Config{MaxConnectionsPerIP: 1},
			check: func(c Config) string {
				if c.MaxConnections != 5 || c.MaxConnectionsPerIP != 0 || c.UpgradeRate != 0 || c.Methods != nil {
					return "a method changed a server-wide field"
				}
				return ""
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := tc.server
			server.Methods = map[string]Config{"test.m": tc.cfg}
			got := NewServer(server).resolve("test", "m", tc.endpoint).cfg
			if msg := tc.check(got); msg != "" {
				t.Errorf("%s: %+v", msg, got)
			}
		})
	}
}
