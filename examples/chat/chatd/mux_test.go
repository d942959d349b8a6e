package chatd_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/mux"
	"duplex.dev/ws"
)

// TestGeneratedClientOnOneConnection: the generated chat client, with a
// mux.Client as its HTTP client's Transport, logs in and runs three echo,
// listener and analytics streams at once on one WebSocket to chatd.
func TestGeneratedClientOnOneConnection(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	m := mux.NewClient("http", n.host, ws.DialConfig{})
	defer m.Close()
	hc := chatc.NewClient("http", n.host, &http.Client{Transport: m}, ws.DialConfig{})
	c := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(), hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())
	tok, err := c.Login(ctx, &chat.LoginPayload{User: "alice", Password: "secret"})
	if err != nil {
		t.Fatalf("login on the connection: %v", err)
	}
	// With an echo stream open, analytics counts the server's WebSockets:
	// one, the connection both streams share.
	e, err := c.Echo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, e)
	a, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: tok, View: "full"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := a.RecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closeStream(t, a)
	if snap.Connections != 1 {
		t.Errorf("analytics counts %d WebSocket connections with two streams open, want 1", snap.Connections)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 9)
	for i := range 3 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			s, err := c.Echo(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for j := range 20 {
				msg := fmt.Sprint("echo ", i, " ", j)
				if err := s.SendWithContext(ctx, &chat.EchoStreamingPayload{Message: msg}); err != nil {
					errs <- err
					return
				}
				if res, err := s.RecvWithContext(ctx); err != nil || res.Message != msg {
					errs <- fmt.Errorf("echo: %v, %v; want %q", res, err, msg)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			s, err := c.Listener(ctx, &chat.ListenerPayload{Token: tok})
			if err != nil {
				errs <- err
				return
			}
			for j := range 7 {
				if err := s.SendWithContext(ctx, &chat.ListenerStreamingPayload{Message: fmt.Sprint(j)}); err != nil {
					errs <- err
					return
				}
			}
			if got, err := s.CloseAndRecvWithContext(ctx); err != nil || got != 7 {
				errs <- fmt.Errorf("listener: %d, %v; want 7", got, err)
			}
		}()
		go func() {
			defer wg.Done()
			s, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: tok, View: "summary"})
			if err != nil {
				errs <- err
				return
			}
			defer closeStream(t, s)
			if _, err := s.RecvWithContext(ctx); err != nil {
				errs <- fmt.Errorf("analytics: %v", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := scrape(t, n, "duplex_connections_active", `method="mux"`); got != 1 {
		t.Errorf("duplex_connections_active{method=mux} = %v, want 1", got)
	}
	for _, method := range []string{"listener"} { // the stream's own series (its end is counted before the client reads it)
		if got := scrape(t, n, "duplex_close_codes_total", `method="`+method+`"`, `code="1000"`); got != 3 {
			t.Errorf("duplex_close_codes_total{method=%s,code=1000} = %v, want 3", method, got)
		}
	}
	if _, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: "forged", View: "summary"}); err == nil {
		t.Error("analytics with a forged token opened")
	}
}

// TestRoomsAndFeedOnOneSocket speaks duplex.mux.v1 by hand, as a page
// would: with the token once, on the upgrade, it joins two rooms and opens
// the activity feed on one WebSocket, posts to both rooms with call
// frames, and gets each message on its room's stream (the hub's fan-out
// writes into the connection's streams).
func TestRoomsAndFeedOnOneSocket(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	tok := n.login(t, ctx, "alice")
	c, _, err := websocket.Dial(ctx, "ws://"+n.host+mux.DefaultPath+"?token="+tok,
		&websocket.DialOptions{Subprotocols: []string{mux.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send := func(frame string) {
		if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	type muxFrame struct {
		T      string          `json:"t"`
		ID     int             `json:"id"`
		Data   json.RawMessage `json:"data"`
		Status int             `json:"status"`
		Code   int             `json:"code"`
		Reason string          `json:"reason"`
	}
	send(`{"t":"open","id":1,"path":"/rooms/lobby"}`)
	send(`{"t":"open","id":2,"path":"/rooms/kitchen"}`)
	send(`{"t":"open","id":3,"path":"/subscribe"}`)
	auth := `"header":{"Authorization":["Bearer ` + tok + `"]}`
	posted := false
	want := map[int]string{1: "in the lobby", 2: "in the kitchen"}
	got := map[int]bool{}
	opened := map[int]bool{}
	feed := false
	for len(got) < 2 || !feed {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v (opened %v, got %v, feed %v)", err, opened, got, feed)
		}
		var f muxFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		switch f.T {
		case "ok":
			opened[f.ID] = true
		case "end", "error":
			t.Fatalf("stream %d ended: %s", f.ID, b)
		case "reply":
			if f.Status != http.StatusCreated {
				t.Fatalf("post: %s", b)
			}
		case "credit":
		case "msg":
			switch f.ID {
			case 1, 2:
				var ev chat.RoomEvent
				if err := json.Unmarshal(f.Data, &ev); err != nil {
					t.Fatalf("room event %s: %v", f.Data, err)
				}
				if ev.Kind == "message" && ev.Message != nil && ev.Message.Text == want[f.ID] {
					got[f.ID] = true
				}
			case 3:
				feed = true
			}
		}
		if !posted && opened[1] && opened[2] && opened[3] {
			posted = true
			send(`{"t":"call","id":4,"method":"POST","path":"/rooms/lobby/messages",` + auth + `,"body":{"text":"in the lobby"}}`)
			send(`{"t":"call","id":5,"method":"POST","path":"/rooms/kitchen/messages",` + auth + `,"body":{"text":"in the kitchen"}}`)
		}
	}
}
