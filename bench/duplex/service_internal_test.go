package duplex

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"duplex.dev/ws"
)

// TestPublishEncodesOnce joins a room with plain WebSocket clients and
// checks that a publish reaches every member while the hub encodes the
// message once and hands the members its frame through their connections
// (not through the typed stream, which would encode it again per member).
func TestPublishEncodesOnce(t *testing.T) {
	svc := newService()
	srv := httptest.NewServer(newHandler(svc, slog.New(slog.DiscardHandler), ws.Config{}))
	defer srv.Close()
	fallbacks := memberIDs.Load()

	const members = 3
	var conns []*websocket.Conn
	for range members {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/rooms/r", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var ev map[string]string
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("join event: %v", err)
		}
		if ev["action"] != "join" || ev["message"] != "r" {
			t.Fatalf("first event %v, want action join, message r", ev)
		}
		conns = append(conns, c)
	}
	if n := memberIDs.Load() - fallbacks; n != 0 {
		t.Errorf("%d members send through the typed stream, want every member on its connection's SendRaw", n)
	}

	before := svc.hub.Stats()
	res, err := http.Post(srv.URL+"/rooms/r", "application/json", strings.NewReader(`{"message":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var reached int
	if err := json.Unmarshal(body, &reached); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("publish: status %d, body %q", res.StatusCode, body)
	}
	if reached != members {
		t.Errorf("publish reached %d members, want %d", reached, members)
	}
	after := svc.hub.Stats()
	if got := after.Encodes - before.Encodes; got != 1 {
		t.Errorf("the hub encoded the message %d times, want once", got)
	}
	if got := after.Frames - before.Frames; got != members {
		t.Errorf("the hub handed out %d frames, want %d", got, members)
	}
	for i, c := range conns {
		var ev map[string]string
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		if ev["action"] != "message" || ev["message"] != "hello" {
			t.Errorf("member %d got %v, want action message, message hello", i, ev)
		}
	}
}
