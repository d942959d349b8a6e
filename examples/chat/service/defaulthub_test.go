package service_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	chatsvr "duplex.dev/examples/chat/gen/http/chat/server"
	"duplex.dev/examples/chat/service"
	"duplex.dev/hub"
	"duplex.dev/ws"
)

// A service written as the guide writes one hands its streams to a hub made
// with hub.New() and nothing else. Its generated client must never meet a
// frame that is not the design's RoomEvent: the hub sends no presence event
// of its own shape unless asked to (WithPresenceEvent).
func TestDefaultHubSendsTheGeneratedClientOnlyWhatItDecodes(t *testing.T) {
	h := hub.New()
	defer h.Close()
	svc, err := service.New(service.Config{JWTSecret: []byte("0123456789abcdef0123456789abcdef"), Hub: h, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	host := serveChat(t, svc, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hc := chatc.NewClient("http", host, nil, ws.DialConfig{})
	c := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(), hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())
	token := func(user string) string {
		tok, err := c.Login(ctx, &chat.LoginPayload{User: user, Password: service.DemoPassword})
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return tok
	}
	alice, bob := token("alice"), token("bob")

	// join opens a join stream and reads the roster the service sends until
	// user's own entry: from then on user is a member of the room.
	join := func(tok, user string) chat.JoinClientStream {
		s, err := c.Join(ctx, &chat.JoinPayload{Token: tok, Room: "general"})
		if err != nil {
			t.Fatalf("join as %s: %v", user, err)
		}
		for {
			ev, err := s.RecvWithContext(ctx)
			if err != nil {
				t.Fatalf("join as %s: roster: %v", user, err)
			}
			if ev.Kind == "joined" && ev.User == user {
				return s
			}
		}
	}
	send := func(tok, text string) {
		if _, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: "general", Text: text}); err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
	}
	aliceStream := join(alice, "alice")
	defer closeClientStream(aliceStream)

	// bob joins, posts, leaves; then alice posts.
	bobStream := join(bob, "bob")
	send(bob, "one")
	closeClientStream(bobStream)
	send(alice, "two")

	for _, want := range []string{"one", "two"} {
		ev, err := aliceStream.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("alice's stream, waiting for %q: %v", want, err)
		}
		if ev.Kind != "message" || ev.Message == nil || ev.Message.Text != want {
			t.Fatalf("alice's stream: %+v, want the message %q", ev, want)
		}
	}
}

// closeClientStream closes a server-to-client stream: its generated type
// has Close, its interface (as in Goa) does not.
func closeClientStream(s any) {
	if c, ok := s.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// serveChat serves svc's generated server on 127.0.0.1, behind front when
// not nil, until the test ends, and returns its host:port.
func serveChat(t *testing.T, svc *service.Service, front func(http.Handler) http.Handler) string {
	t.Helper()
	api := chatsvr.New(chat.NewEndpoints(svc), ws.NewServer(ws.Config{}), http.Dir(t.TempDir()))
	mux := http.NewServeMux()
	api.Mount(mux)
	var h http.Handler = mux
	if front != nil {
		h = front(mux)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := api.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return strings.TrimPrefix(hs.URL, "http://")
}
