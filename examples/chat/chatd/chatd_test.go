package chatd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	duplex "duplex.dev"
	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/ws"
)

// node is a chatd serving on 127.0.0.1 for one test.
type node struct {
	host string
	http *http.Client
	stop func()
	// halt stops the node like stop and returns what chatd.Serve returned
	// (nil after the first call).
	halt func() error
}

// startChatd serves a chat server on a fresh 127.0.0.1 port until the test
// ends (or stop is called); an error from chatd.Serve fails the test.
func startChatd(t testing.TB, cfg chatd.Config) *node {
	t.Helper()
	n := serveChatd(t, cfg)
	n.stop = func() {
		if err := n.halt(); err != nil {
			t.Errorf("chatd.Serve: %v", err)
		}
	}
	t.Cleanup(n.stop)
	return n
}

// serveChatd serves a chat server on a fresh 127.0.0.1 port until halt is
// called; the caller makes sure it is.
func serveChatd(t testing.TB, cfg chatd.Config) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = []byte("test secret")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chatd.Serve(ctx, ln, cfg) }()
	tr := &http.Transport{}
	var once sync.Once
	n := &node{host: ln.Addr().String(), http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	n.halt = func() (err error) {
		once.Do(func() {
			// Idle client connections first: http.Server.Shutdown waits up
			// to 5s for a connection that never sent a request (one the
			// transport dialled during a burst and did not use).
			tr.CloseIdleConnections()
			cancel()
			err = <-done
			tr.CloseIdleConnections()
		})
		return err
	}
	return n
}

// client returns a generated chat client of n.
func (n *node) client() *chat.Client {
	c := chatc.NewClient("http", n.host, n.http, ws.DialConfig{})
	return chat.NewClient(c.Login(), c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Send(), c.History(), c.Analytics(), c.Session())
}

// login returns a token for a demo user.
func (n *node) login(t testing.TB, ctx context.Context, user string) string {
	t.Helper()
	tok, err := n.client().Login(ctx, &chat.LoginPayload{User: user, Password: "secret"})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return tok
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLoginReturnsJWTAndRefusesWrongPassword(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()

	tok := n.login(t, ctx, "alice")
	if parts := strings.Split(tok, "."); len(parts) != 3 {
		t.Fatalf("login returned %q, not a JWT", tok)
	}

	for _, tc := range []struct{ name, user, password string }{
		{"wrong password", "alice", "wrong"},
		{"unknown user", "mallory", "secret"},
		{"empty user", "", "secret"},
	} {
		t.Run(tc.name+" is 401", func(t *testing.T) {
			_, err := c.Login(ctx, &chat.LoginPayload{User: tc.user, Password: tc.password})
			if got := duplex.CodeOf(err); got != duplex.CodeUnauthenticated {
				t.Fatalf("login: code %v (%v), want unauthenticated (401)", got, err)
			}
		})
	}
}

func TestStreamsRefuseMissingOrBadTokenBeforeUpgrade(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	for _, tc := range []struct{ name, path string }{
		{"join without token", "/rooms/general"},
		{"join with a forged token", "/rooms/general?token=eyJhbGciOiJIUzI1NiJ9.e30.forged"},
		{"analytics without token", "/analytics"},
		{"subscribe without token", "/subscribe"},
		{"listener without token", "/listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := ws.Dial(ctx, "ws://"+n.host+tc.path, ws.DialConfig{HTTPClient: n.http})
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded, want 401")
			}
			var he *ws.HTTPError
			if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
				t.Fatalf("dial: %v, want an HTTP 401 before the upgrade", err)
			}
		})
	}
	t.Run("history without token", func(t *testing.T) {
		resp, err := n.http.Get("http://" + n.host + "/rooms/general/history")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})
}

// joined opens a join stream and waits until the server has added it to
// the room: the stream starts with the room's presence, itself included.
func joined(t testing.TB, ctx context.Context, c *chat.Client, token, room, user string) chat.JoinClientStream {
	t.Helper()
	s, err := c.Join(ctx, &chat.JoinPayload{Token: token, Room: room})
	if err != nil {
		t.Fatalf("join %s as %s: %v", room, user, err)
	}
	for {
		ev, err := s.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("join %s as %s: waiting for own presence: %v", room, user, err)
		}
		if ev.Kind == "joined" && ev.User == user {
			return s
		}
	}
}

// closeStream closes a client stream. Streams of server-to-client methods
// do not have Close in their interface (as in Goa); their generated type has.
func closeStream(t testing.TB, s any) {
	t.Helper()
	c, ok := s.(interface{ Close() error })
	if !ok {
		t.Fatalf("%T has no Close method", s)
	}
	if err := c.Close(); err != nil {
		t.Logf("close stream: %v", err)
	}
}

func TestConcurrentSendersAreSeenInOneOrderByEveryMember(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	const room, senders, perSender = "ordering", 20, 5
	users := []string{"alice", "bob", "carol"}
	tokens := map[string]string{}
	for _, u := range users {
		tokens[u] = n.login(t, ctx, u)
	}
	var members []chat.JoinClientStream
	for _, u := range users {
		s := joined(t, ctx, c, tokens[u], room, u)
		defer closeStream(t, s)
		members = append(members, s)
	}

	var wg sync.WaitGroup
	errs := make(chan error, senders*perSender)
	for i := range senders {
		wg.Go(func() {
			tok := tokens[users[i%len(users)]]
			for j := range perSender {
				if _, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: room, Text: fmt.Sprintf("sender %d message %d", i, j)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("send: %v", err)
	}

	const total = senders * perSender
	var orders [][]string
	for i, s := range members {
		var texts []string
		for len(texts) < total {
			ev, err := s.RecvWithContext(ctx)
			if err != nil {
				t.Fatalf("member %s: after %d messages: %v", users[i], len(texts), err)
			}
			if ev.Kind != "message" {
				continue
			}
			if want := int64(len(texts) + 1); ev.Message.Sequence != want {
				t.Fatalf("member %s: message %q has sequence %d, want %d", users[i], ev.Message.Text, ev.Message.Sequence, want)
			}
			texts = append(texts, ev.Message.Text)
		}
		orders = append(orders, texts)
	}
	for i := 1; i < len(orders); i++ {
		for j := range orders[0] {
			if orders[i][j] != orders[0][j] {
				t.Fatalf("member %s saw %q at position %d, member %s saw %q", users[i], orders[i][j], j+1, users[0], orders[0][j])
			}
		}
	}
}

func TestJoinSendsPresenceHistoryThenLiveMessages(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")

	for i := 1; i <= 3; i++ {
		m, err := c.Send(ctx, &chat.SendPayload{Token: alice, Room: "lobby", Text: fmt.Sprintf("before %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if m.Sequence != int64(i) || m.From != "alice" || m.Room != "lobby" {
			t.Fatalf("send returned %+v, want sequence %d from alice in lobby", m, i)
		}
	}
	a := joined(t, ctx, c, alice, "lobby", "alice")
	defer closeStream(t, a)
	for i := 1; i <= 3; i++ {
		ev, err := a.RecvWithContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != "message" || ev.Message.Sequence != int64(i) {
			t.Fatalf("catch-up event %d: %+v, want message %d", i, ev, i)
		}
	}

	b := joined(t, ctx, c, bob, "lobby", "bob")
	defer closeStream(t, b)
	ev, err := a.RecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "joined" || ev.User != "bob" {
		t.Fatalf("alice got %+v, want bob's join", ev)
	}
	if _, err := c.Send(ctx, &chat.SendPayload{Token: bob, Room: "lobby", Text: "live"}); err != nil {
		t.Fatal(err)
	}
	ev, err = a.RecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "message" || ev.Message.Sequence != 4 || ev.Message.From != "bob" || ev.Message.Text != "live" {
		t.Fatalf("alice got %+v, want bob's live message 4", ev)
	}

	closeStream(t, b)
	for {
		ev, err := a.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("waiting for bob to leave: %v", err)
		}
		if ev.Kind == "left" && ev.User == "bob" {
			break
		}
	}
}

func TestHistoryPagesAfterASequence(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "carol")
	for i := 1; i <= 7; i++ {
		if _, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: "archive", Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		after     int64
		limit     int
		wantFirst int64
		wantLen   int
	}{
		{0, 50, 1, 7},
		{0, 3, 1, 3},
		{3, 50, 4, 4},
		{5, 1, 6, 1},
		{7, 50, 0, 0},
	} {
		t.Run(fmt.Sprintf("after %d limit %d", tc.after, tc.limit), func(t *testing.T) {
			res, err := c.History(ctx, &chat.HistoryPayload{Token: tok, Room: "archive", After: tc.after, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != tc.wantLen {
				t.Fatalf("%d messages, want %d", len(res), tc.wantLen)
			}
			for i, m := range res {
				if want := tc.wantFirst + int64(i); m.Sequence != want || m.Text != fmt.Sprint(want) || m.From != "carol" {
					t.Fatalf("message %d: %+v, want sequence %d", i, m, want)
				}
			}
		})
	}
	t.Run("an invalid limit is 400", func(t *testing.T) {
		_, err := c.History(ctx, &chat.HistoryPayload{Token: tok, Room: "archive", Limit: 501})
		if got := duplex.CodeOf(err); got != duplex.CodeInvalid {
			t.Fatalf("code %v (%v), want invalid (400)", got, err)
		}
	})
}

func TestListenerReturnsTheNumberOfMessages(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	s, err := c.Listener(ctx, &chat.ListenerPayload{Token: n.login(t, ctx, "alice")})
	if err != nil {
		t.Fatal(err)
	}
	const sent = 7
	for i := range sent {
		if err := s.SendWithContext(ctx, &chat.ListenerStreamingPayload{Message: fmt.Sprint("m", i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.CloseAndRecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != sent {
		t.Fatalf("listener counted %d messages, want %d", got, sent)
	}
}

func TestEchoSendsEveryMessageBack(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	s, err := n.client().Echo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, s)
	for _, msg := range []string{"one", "二", "three"} {
		if err := s.SendWithContext(ctx, &chat.EchoStreamingPayload{Message: msg}); err != nil {
			t.Fatal(err)
		}
		res, err := s.RecvWithContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != msg {
			t.Fatalf("echo returned %q, want %q", res.Message, msg)
		}
	}
}

func TestSubscribeReceivesActivity(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	s, err := c.Subscribe(ctx, &chat.SubscribePayload{Token: n.login(t, ctx, "alice")})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, s)
	first, err := s.RecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Action != "subscribed" {
		t.Fatalf("first event %+v, want the subscribed event", first)
	}
	n.login(t, ctx, "bob")
	ev, err := s.RecvWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != "login" || !strings.Contains(ev.Message, "bob") || ev.Timestamp == "" {
		t.Fatalf("event %+v, want bob's login", ev)
	}
}

func TestAnalyticsViewsChooseTheFields(t *testing.T) {
	n := startChatd(t, chatd.Config{AnalyticsInterval: 20 * time.Millisecond})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "alice")
	member := joined(t, ctx, c, tok, "busy", "alice")
	defer closeStream(t, member)

	recv := func(t *testing.T, view string) *chat.Analytics {
		t.Helper()
		s, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: tok, View: view})
		if err != nil {
			t.Fatal(err)
		}
		defer closeStream(t, s)
		a, err := s.RecvWithContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a.Timestamp == "" || a.Rooms != 1 || a.Connections < 1 {
			t.Fatalf("%s view: %+v, want a timestamp, 1 room, at least 1 connection", view, a)
		}
		return a
	}
	t.Run("summary has no rates, rooms or drops", func(t *testing.T) {
		a := recv(t, "summary")
		if a.MessagesPerSecond != nil || a.TopRooms != nil || a.RoomMembers != nil || a.Dropped != nil {
			t.Fatalf("summary view carries detail: %+v", a)
		}
	})
	t.Run("detailed adds rates and top rooms", func(t *testing.T) {
		a := recv(t, "detailed")
		if a.MessagesPerSecond == nil || len(a.TopRooms) != 1 || a.TopRooms[0] != "busy" || a.RoomMembers != nil || a.Dropped != nil {
			t.Fatalf("detailed view: %+v", a)
		}
	})
	t.Run("full has everything", func(t *testing.T) {
		a := recv(t, "full")
		if a.MessagesPerSecond == nil || a.Dropped == nil || a.RoomMembers["busy"] != 1 {
			t.Fatalf("full view: %+v", a)
		}
	})
	t.Run("snapshots keep coming", func(t *testing.T) {
		s, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: tok, View: "summary"})
		if err != nil {
			t.Fatal(err)
		}
		defer closeStream(t, s)
		for range 3 {
			if _, err := s.RecvWithContext(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("an unknown view is 400", func(t *testing.T) {
		_, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: tok, View: "everything"})
		var he *ws.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest {
			t.Fatalf("analytics: %v, want HTTP 400", err)
		}
	})
}

// TestShutdownClosesStreamsWith1001 uses subscribe, a plain stream: join is
// resumable, and its client rightly keeps reconnecting after a 1001.
func TestShutdownClosesStreamsWith1001(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	// analytics speaks the default wire; a resumable stream (subscribe,
	// join) would try to resume instead of ending.
	s, err := c.Analytics(ctx, &chat.AnalyticsPayload{Token: n.login(t, ctx, "alice"), View: "summary"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, s)
	n.stop()
	for {
		_, err := s.RecvWithContext(ctx)
		if err == nil {
			continue
		}
		if code := ws.CloseStatus(err); code != ws.StatusGoingAway {
			t.Fatalf("stream ended with %v (code %d), want 1001", err, code)
		}
		return
	}
}

func TestPageIsServedAtRoot(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		resp, err := n.http.Get("http://" + n.host + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET %s: %d, %d bytes", path, resp.StatusCode, len(body))
		}
	}
}

func TestJoiningDuringABurstSeesNoGapOrDuplicate(t *testing.T) {
	const room, total = "burst", 300
	// A catch-up window as long as the burst: the stream must start at 1.
	n := startChatd(t, chatd.Config{CatchUp: total})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "alice")

	sent := make(chan int64, total)
	sendCtx, stopSending := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopSending()
	wg.Go(func() {
		defer close(sent)
		for i := range total {
			m, err := c.Send(sendCtx, &chat.SendPayload{Token: tok, Room: room, Text: fmt.Sprint(i)})
			if err != nil {
				if sendCtx.Err() == nil {
					t.Errorf("send %d: %v", i, err)
				}
				return
			}
			sent <- m.Sequence
		}
	})
	// Join once the burst is under way, while it goes on.
	for seq := range sent {
		if seq >= 20 {
			break
		}
	}
	s := joined(t, ctx, c, tok, room, "alice")
	defer closeStream(t, s)
	go func() {
		for range sent {
		}
	}()

	var first, last int64
	for last < total {
		ev, err := s.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("after sequence %d: %v", last, err)
		}
		if ev.Kind != "message" {
			continue
		}
		seq := ev.Message.Sequence
		if first == 0 {
			first = seq
		} else if seq != last+1 {
			t.Fatalf("sequence %d after %d: gap or duplicate", seq, last)
		}
		last = seq
	}
	wg.Wait()
	if first != 1 {
		t.Fatalf("the stream started at sequence %d, want the catch-up to start at 1", first)
	}
}
