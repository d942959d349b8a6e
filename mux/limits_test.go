package mux_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"duplex.dev/mux"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// TestStreamLimit: past WithMaxStreams, a stream is refused with 429 (its
// end 4029) and a reason naming the limit; the open streams and the
// connection go on, and a stream opens again once one ended.
func TestStreamLimit(t *testing.T) {
	const limit = 5
	a := newAPI(t, apiOption{muxOptions: []mux.Option{mux.WithMaxStreams(limit)}})
	d := a.dialer(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var open []*transport.ClientStream[*note, string]
	for i := range limit {
		s, err := dialEcho(ctx, d)
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		open = append(open, s)
	}
	_, err := dialEcho(ctx, d)
	var he *ws.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusTooManyRequests || !strings.Contains(he.Body, "5 streams are open on this connection") {
		t.Fatalf("stream %d: %v, want HTTP 429 naming the limit", limit+1, err)
	}
	for i, s := range open { // the open streams go on
		if err := s.SendWithContext(ctx, &note{Author: ptr("a"), Text: "still"}); err != nil {
			t.Fatalf("stream %d: send: %v", i, err)
		}
		if got, err := s.RecvWithContext(ctx); err != nil || got != "still" {
			t.Fatalf("stream %d: got %q, %v", i, got, err)
		}
	}
	open[0].Close()
	var s *transport.ClientStream[*note, string]
	for { // the server forgets the stream once its end crossed
		s, err = dialEcho(ctx, d)
		if err == nil || !errors.As(err, &he) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after one ended: %v", err)
	}
	s.Close()
	for _, s := range open[1:] {
		s.Close()
	}
	if n := a.upgrades.Load(); n != 0 {
		t.Errorf("%d upgrades to the methods' own paths, want 0", n)
	}
}

// TestRefusalsMatchPerCallSocket: a stream refused before it starts (no
// credentials, a bad parameter, a path that is not a streaming method)
// fails to open with the HTTP status and body its own socket gets.
func TestRefusalsMatchPerCallSocket(t *testing.T) {
	a := newAPI(t, apiOption{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	perCall, muxed := a.dialer(t, true), a.dialer(t, false)
	for _, tc := range []struct {
		name   string
		path   string
		q      url.Values
		status int
	}{
		{"no token", "/count", url.Values{"n": {"1"}}, http.StatusUnauthorized},
		{"wrong token", "/count", url.Values{"n": {"1"}, "token": {"guess"}}, http.StatusUnauthorized},
		{"bad parameter", "/count", url.Values{"n": {"x"}, "token": {"secret"}}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, perErr := transport.Dial[any, int](ctx, perCall, "test count", tc.path, tc.q, nil, false)
			_, muxErr := transport.Dial[any, int](ctx, muxed, "test count", tc.path, tc.q, nil, false)
			var pe, me *ws.HTTPError
			if !errors.As(perErr, &pe) || !errors.As(muxErr, &me) {
				t.Fatalf("per-call socket: %v; multiplexed: %v; want two *ws.HTTPError", perErr, muxErr)
			}
			if pe.StatusCode != tc.status || me.StatusCode != tc.status || strings.TrimSpace(pe.Body) != strings.TrimSpace(me.Body) {
				t.Errorf("per-call socket: %d %q; multiplexed: %d %q; want both %d with the same body",
					pe.StatusCode, pe.Body, me.StatusCode, me.Body, tc.status)
			}
		})
	}
	_, err := transport.Dial[any, int](ctx, muxed, "test add", "/add", nil, nil, false)
	var he *ws.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("open of a POST path: %v, want 405, as its own socket gets", err)
	}
	_, err = transport.Dial[any, int](ctx, muxed, "test none", "/none", nil, nil, false)
	if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound {
		t.Errorf("open of an unknown path: %v, want 404", err)
	}
}

// TestCredentialsOncePerConnection: the token of the connection's upgrade
// request (a bearer header) is every stream's; a stream's own parameters
// still win.
func TestCredentialsOncePerConnection(t *testing.T) {
	a := newAPI(t, apiOption{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := a.dialer(t, false, ws.DialConfig{Header: http.Header{"Authorization": {"Bearer secret"}}})
	for i := range 3 {
		if err := countOnce(ctx, d, 10); err != nil { // no token of its own
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	_, err := dialCount(ctx, d, 1, url.Values{"token": {"guess"}})
	var he *ws.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a stream's own wrong token: %v, want 401", err)
	}
	if err := countOnce(ctx, d, 10); err != nil {
		t.Fatalf("after a refusal, on the same connection: %v", err)
	}
	if n := a.upgrades.Load(); n != 0 {
		t.Errorf("%d upgrades to the methods' own paths, want 0", n)
	}
}

// TestFallbackWithoutMux: against a server that does not mount the
// multiplexed endpoint, a client with Dialer.Mux opens a socket per
// stream, and asks the server only once.
func TestFallbackWithoutMux(t *testing.T) {
	a := newAPI(t, apiOption{noMux: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := a.dialer(t, false)
	for i := range 3 {
		if err := countOnce(ctx, d, 10); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		if err := echoOnce(ctx, d, i, 3); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
	}
	if n := a.upgrades.Load(); n != 6 {
		t.Errorf("%d upgrades to the methods' own paths, want 6 (one per stream)", n)
	}
	_, err := d.Doer.Transport.(*mux.Client).Open(ctx, "/count", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "does not offer multiplexed connections") {
		t.Errorf("Open: %v, want the server does not offer it", err)
	}
}

// TestShutdownEndsStreamsWith1001: the server's Shutdown ends every stream
// of a multiplexed connection with 1001, as it ends a socket, and returns
// once their handlers did.
func TestShutdownEndsStreamsWith1001(t *testing.T) {
	a := newAPI(t, apiOption{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := a.dialer(t, false)
	var open []*transport.ClientStream[*note, string]
	for range 3 {
		s, err := dialEcho(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, s)
	}
	if err := a.wsrv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i, s := range open {
		_, err := s.RecvWithContext(ctx)
		if ws.CloseStatus(err) != ws.StatusGoingAway {
			t.Errorf("stream %d: %v, want close 1001", i, err)
		}
	}
}
