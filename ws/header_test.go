package ws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/ws"
)

// startHeaderServer starts a real server, configured by cfg, whose streams
// echo.
func startHeaderServer(t *testing.T, cfg ws.Config) (url string) {
	t.Helper()
	wsrv := ws.NewServer(cfg)
	ep := &ws.Endpoint{Service: "test", Method: "echo"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := wsrv.Handle(w, r, ep, churnHandler); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// echoOnce sends one frame on c and waits for its echo.
func echoOnce(ctx context.Context, c *websocket.Conn) error {
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"n":1}`)); err != nil {
		return err
	}
	_, b, err := c.Read(ctx)
	if err == nil && string(b) != `{"n":1}` {
		err = errors.New("wrong echo " + string(b))
	}
	return err
}

// hostileHeaders is how many connections TestUpgradeRequestIsNotKeptAfterTheUpgrade
// opens, each with a header of hostileHeaderSize.
const (
	hostileHeaders    = 50
	hostileHeaderSize = 900 << 10
)

// TestUpgradeRequestIsNotKeptAfterTheUpgrade opens idle connections whose
// upgrade requests carry a 900 KiB header each (the header limit raised to
// let them in, net/http accepting 1 MB): once upgraded, a connection keeps
// only the headers a stream needs, so the live heap per connection stays
// at an ordinary connection's size, not the request's.
func TestUpgradeRequestIsNotKeptAfterTheUpgrade(t *testing.T) {
	url := startHeaderServer(t, ws.Config{UpgradeHeaderLimit: 1 << 20})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	padding := strings.Repeat("a", hostileHeaderSize) // shared by the clients: only the server copies it
	legit, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer legit.CloseNow()
	before := liveHeap()
	conns := make([]*websocket.Conn, 0, hostileHeaders)
	defer func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
	}()
	for range hostileHeaders {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"X-Padding": {padding}}})
		if err != nil {
			t.Fatalf("dial with a %d-byte header: %v", hostileHeaderSize, err)
		}
		conns = append(conns, c)
		if err := echoOnce(ctx, c); err != nil {
			t.Fatalf("echo: %v", err)
		}
	}
	after := liveHeap()
	runtime.KeepAlive(padding) // live in both measures
	perConn := (int64(after) - int64(before)) / hostileHeaders
	t.Logf("%d idle connections with a %d KiB header each: %.1f KB of live heap per connection (client side included)",
		hostileHeaders, hostileHeaderSize>>10, float64(perConn)/1000)
	start := time.Now()
	if err := echoOnce(ctx, legit); err != nil {
		t.Fatalf("a legitimate connection opened before them: %v", err)
	}
	t.Logf("a legitimate connection's echo after them: %v", time.Since(start))
	if limit := int64(64 << 10); perConn > limit {
		t.Fatalf("each connection keeps %d bytes of heap, want at most %d: the upgrade request is kept", perConn, limit)
	}
}

// TestUpgradeHeadersAboveTheLimitGet431: an upgrade request whose headers
// pass the WebSocket header limit (16 KiB by default) gets HTTP 431 with a
// text naming the limit, a request under it is served, and an open
// connection is not disturbed.
func TestUpgradeHeadersAboveTheLimitGet431(t *testing.T) {
	url := startHeaderServer(t, ws.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	good, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer good.CloseNow()

	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"X-Padding": {strings.Repeat("a", 20<<10)}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 20 KiB header: got %v, %v; want HTTP 431", resp, err)
	}
	body := make([]byte, 512)
	n, _ := resp.Body.Read(body)
	if !strings.Contains(string(body[:n]), "16384") {
		t.Errorf("431 body %q does not name the limit", body[:n])
	}

	ok, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"X-Padding": {strings.Repeat("a", 10<<10)}}})
	if err != nil {
		t.Fatalf("a 10 KiB header: %v", err)
	}
	defer ok.CloseNow()
	if err := echoOnce(ctx, ok); err != nil {
		t.Fatalf("echo under the limit: %v", err)
	}
	if err := echoOnce(ctx, good); err != nil {
		t.Fatalf("the open connection: %v", err)
	}
}
