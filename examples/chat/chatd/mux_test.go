package chatd_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/mux"
)

// TestGeneratedClientOnOneConnection: the generated chat client, with a
// mux.Client as its HTTP client's Transport, logs in and runs three echo,
// listener and analytics streams at once on one WebSocket to chatd.
func TestGeneratedClientOnOneConnection(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	m := mux.NewClient("http", n.host)
	defer m.Close()
	hc := chatc.NewClient("http", n.host, &http.Client{Transport: m})
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
