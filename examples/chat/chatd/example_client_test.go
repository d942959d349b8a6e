package chatd_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	duplex "duplex.dev"
	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/hub"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// The generated Go client against an in-process chatd: log in, then the
// guide's three streaming patterns and a view. docs/guide.md quotes it.
func Example_client() {
	srv := startExampleChatd(hub.NewMemoryBroker(nil))
	defer srv.stop()
	ctx := context.Background()

	// The transport client knows the wire; chat.NewClient gives it the
	// service's typed methods.
	hc := chatc.NewClient("http", srv.addr, srv.http, ws.DialConfig{})
	client := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(),
		hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())

	token, err := client.Login(ctx, &chat.LoginPayload{User: "alice", Password: "secret"})
	if err != nil {
		fmt.Println("login:", err)
		return
	}

	// Bidirectional: send, receive, close.
	echo, err := client.Echo(ctx)
	if err != nil {
		fmt.Println("echo:", err)
		return
	}
	for _, text := range []string{"hi", "again"} {
		if err := echo.SendWithContext(ctx, &chat.EchoStreamingPayload{Message: text}); err != nil {
			fmt.Println("echo send:", err)
			return
		}
		res, err := echo.RecvWithContext(ctx)
		if err != nil {
			fmt.Println("echo recv:", err)
			return
		}
		fmt.Println("echo:", res.Message)
	}
	echo.Close()

	// Client to server: stream messages, then close and read the result.
	listener, err := client.Listener(ctx, &chat.ListenerPayload{Token: token})
	if err != nil {
		fmt.Println("listener:", err)
		return
	}
	for _, text := range []string{"one", "two", "three"} {
		if err := listener.SendWithContext(ctx, &chat.ListenerStreamingPayload{Message: text}); err != nil {
			fmt.Println("listener send:", err)
			return
		}
	}
	n, err := listener.CloseAndRecvWithContext(ctx)
	if err != nil {
		fmt.Println("listener result:", err)
		return
	}
	fmt.Println("listener received", n, "messages")

	// Server to client, in a view: "summary" leaves out what "full" has.
	for _, view := range []string{"summary", "full"} {
		stream, err := client.Analytics(ctx, &chat.AnalyticsPayload{Token: token, View: view})
		if err != nil {
			fmt.Println("analytics:", err)
			return
		}
		a, err := stream.RecvWithContext(ctx)
		transport.CloseStream(stream) // releases the connection (close 1000)
		if err != nil {
			fmt.Println("analytics recv:", err)
			return
		}
		fmt.Printf("%s: rooms=%d, dropped present: %t\n", view, a.Rooms, a.Dropped != nil)
	}

	// A token the server did not sign is refused before the upgrade.
	_, err = client.Subscribe(ctx, &chat.SubscribePayload{Token: "forged"})
	var httpErr *ws.HTTPError
	if errors.As(err, &httpErr) {
		fmt.Println("forged token: HTTP", httpErr.StatusCode, "retryable:", ws.Retryable(err), "code:", duplex.CodeOf(err))
	}

	// Output:
	// echo: hi
	// echo: again
	// listener received 3 messages
	// summary: rooms=0, dropped present: false
	// full: rooms=0, dropped present: true
	// forged token: HTTP 401 retryable: false code: unauthenticated
}

// followRoom passes the events of a room to handle until ctx ends or a
// failure that reconnecting cannot fix. After a retryable failure (the
// server restarting with 1001, a dropped connection, a refused dial) it
// joins again after a backoff, giving the last sequence it saw as "after",
// so it sees every message once.
func followRoom(ctx context.Context, client *chat.Client, token, room string, handle func(*chat.RoomEvent)) error {
	policy := ws.RetryPolicy{Initial: 100 * time.Millisecond, Max: 5 * time.Second}
	var last int64 // sequence of the last message seen
	for attempt := 0; ; attempt++ {
		p := &chat.JoinPayload{Token: token, Room: room}
		if last > 0 {
			p.After = &last
		}
		stream, err := client.Join(ctx, p)
		if err == nil {
			for {
				var ev *chat.RoomEvent
				if ev, err = stream.RecvWithContext(ctx); err != nil {
					break
				}
				// The stream lived: the next failure starts the backoff
				// again. Not on the upgrade alone: a server that fails
				// every stream at once (1011) would get a dial every
				// Initial/2 on average, for as long as it fails.
				attempt = 0
				if ev.Message != nil {
					last = ev.Message.Sequence
				}
				handle(ev)
			}
			transport.CloseStream(stream)
		}
		// 4500: the server cannot resume a duplex.v1 session (it restarted):
		// a new stream with "after" catches up all the same.
		if !ws.Retryable(err) && ws.CloseStatus(err) != ws.StatusResumeFailed {
			return err // io.EOF (the server ended the stream), 401 …
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(policy.Delay(attempt, nil)):
		}
	}
}

// A client following a room across a server restart: it reconnects by
// itself and resumes after the last message it saw.
func Example_reconnect() {
	// One broker for both lives of the server, so the room's sequence
	// continues after the restart (chatd -data does this with files).
	srv := startExampleChatd(hub.NewMemoryBroker(nil))
	defer srv.stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	hc := chatc.NewClient("http", srv.addr, srv.http, ws.DialConfig{})
	client := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(),
		hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())
	token, err := client.Login(ctx, &chat.LoginPayload{User: "alice", Password: "secret"})
	if err != nil {
		fmt.Println("login:", err)
		return
	}

	events := make(chan *chat.RoomEvent, 16)
	done := make(chan error, 1)
	go func() {
		done <- followRoom(ctx, client, token, "general", func(ev *chat.RoomEvent) { events <- ev })
	}()
	show := func() {
		select {
		case ev := <-events:
			if ev.Message != nil {
				fmt.Printf("%s #%d: %s\n", ev.Kind, ev.Message.Sequence, ev.Message.Text)
			} else {
				fmt.Printf("%s: %s\n", ev.Kind, ev.User)
			}
		case err := <-done:
			fmt.Println("followRoom returned:", err)
		case <-time.After(10 * time.Second):
			fmt.Println("no event within 10s")
		}
	}
	post := func(text string) {
		if _, err := client.Send(ctx, &chat.SendPayload{Token: token, Room: "general", Text: text}); err != nil {
			fmt.Println("send:", err)
		}
	}

	show() // the roster: alice herself
	post("hello")
	show()
	srv.restart() // the stream ends with 1001; followRoom reconnects
	show()        // the roster again, from the new server
	post("back again")
	show()

	cancel()
	fmt.Println("stopped:", errors.Is(<-done, context.Canceled))

	// Output:
	// joined: alice
	// message #1: hello
	// joined: alice
	// message #2: back again
	// stopped: true
}

// Runtime configuration for production: chatd.Config.WS configures the
// WebSocket server (ws.NewServer), over chatd's own logger and metrics.
// Methods' WebSocket blocks in the design apply on top, per method, and
// Methods over them.
func Example_serverOptions() {
	srv := startExampleChatdWith(chatd.Config{
		WS: ws.Config{
			Origins:              []string{"chat.example.com"}, // pages of this host may connect too
			ReadLimit:            64 << 10,                     // 1009 above 64 KiB
			HeartbeatInterval:    20 * time.Second,             // dead peers found within 50s
			HeartbeatTimeout:     50 * time.Second,
			WriteTimeout:         5 * time.Second, // a peer that stops reading is dropped
			SendQueue:            512,             // slow consumers get 4000 and reconnect
			SlowConsumer:         ws.Disconnect,
			CompressionThreshold: 1024,   // permessage-deflate above 1 KiB
			MaxConnections:       50_000, // HTTP 503 past it
			MaxConnectionsPerIP:  100,    // HTTP 429 past it
			UpgradeRate:          500,    // new connections per second, burst
			UpgradeBurst:         1000,
			// The room streams only: a burst of messages shares writes.
			Methods: map[string]ws.Config{"chat.join": {WriteDelay: 5 * time.Millisecond}},
		},
	})
	defer srv.stop()
	ctx := context.Background()

	for _, origin := range []string{"https://chat.example.com", "https://elsewhere.example"} {
		c, err := ws.Dial(ctx, "ws://"+srv.addr+"/echo", ws.DialConfig{Header: http.Header{"Origin": {origin}}})
		var httpErr *ws.HTTPError
		switch {
		case err == nil:
			fmt.Println(origin, "connected")
			c.Close()
		case errors.As(err, &httpErr):
			fmt.Println(origin, "refused with HTTP", httpErr.StatusCode)
		default:
			fmt.Println(origin, err)
		}
	}

	// Output:
	// https://chat.example.com connected
	// https://elsewhere.example refused with HTTP 403
}

// exampleChatd is a chatd serving on 127.0.0.1 for an example; restart
// stops it and serves again on the same address.
type exampleChatd struct {
	addr    string
	http    *http.Client
	tr      *http.Transport
	cfg     chatd.Config
	cancel  context.CancelFunc
	stopped chan error
}

// startExampleChatd serves a chatd with demo users on a fresh port, its
// rooms on broker (which outlives restarts).
func startExampleChatd(broker hub.Broker) *exampleChatd {
	return startExampleChatdWith(chatd.Config{Broker: broker})
}

// startExampleChatdWith serves a chatd configured by cfg on a fresh port,
// with a fixed JWT secret and no logs unless cfg sets them.
func startExampleChatdWith(cfg chatd.Config) *exampleChatd {
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = []byte("example secret")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	tr := &http.Transport{}
	s := &exampleChatd{
		addr: ln.Addr().String(),
		tr:   tr,
		http: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		cfg:  cfg,
	}
	s.serve(ln)
	return s
}

func (s *exampleChatd) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.stopped = cancel, make(chan error, 1)
	go func() { s.stopped <- chatd.Serve(ctx, ln, s.cfg) }()
}

// stop shuts the server down (streams get 1001) and waits for it.
func (s *exampleChatd) stop() {
	if s.cancel == nil {
		return
	}
	s.tr.CloseIdleConnections()
	s.cancel()
	if err := <-s.stopped; err != nil {
		fmt.Println("chatd:", err)
	}
	s.cancel = nil
	s.tr.CloseIdleConnections()
}

// restart stops the server and serves again on the same address.
func (s *exampleChatd) restart() {
	s.stop()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		panic(err)
	}
	s.serve(ln)
}
