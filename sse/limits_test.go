package sse_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"duplex.dev/sse"
	"duplex.dev/ws"
)

// limited is a ws.Server configured by opts and the sse.Server next to it,
// on one 127.0.0.1 listener: /events serves event streams, /ws WebSockets;
// both hold their stream until the client leaves. ended receives once per
// event-stream request whose Handle returned (its place given back).
type limited struct {
	url   string
	srv   *sse.Server
	ended chan struct{}
}

func startLimited(t *testing.T, cfg ws.Config) *limited {
	t.Helper()
	wsrv := ws.NewServer(cfg)
	srv := sse.NewServer(wsrv)
	ep := &ws.Endpoint{Service: "svc", Method: "feed"}
	l := &limited{ended: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		defer func() { l.ended <- struct{}{} }()
		_ = srv.Handle(w, r, ep, false, "", func(ctx context.Context, st *sse.Stream) error {
			if err := st.Send(ctx, "hello"); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			if err := c.Send(ctx, "hello"); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		})
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("sse shutdown: %v", err)
		}
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("ws shutdown: %v", err)
		}
		hs.Close()
	})
	return &limited{url: hs.URL, srv: srv, ended: l.ended}
}

// events asks for an event stream; on 200 it reads the first event, so the
// stream is known to hold its place. The body is closed when the test ends.
func (l *limited) events(t *testing.T) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, l.url+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return resp, strings.TrimSpace(string(b))
	}
	s := &stream{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
	if ev := s.mustNext(); ev.data != `"hello"` {
		t.Fatalf("first event %q", ev.data)
	}
	return resp, ""
}

// dial opens a WebSocket; on success it reads the first message.
func (l *limited) dial(t *testing.T) (*websocket.Conn, *http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(l.url, "http")+"/ws", nil)
	if err != nil {
		if resp == nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return nil, resp, strings.TrimSpace(string(b))
	}
	t.Cleanup(func() { c.CloseNow() })
	if _, msg, err := c.Read(ctx); err != nil || string(msg) != `"hello"` {
		t.Fatalf("first message %q, %v", msg, err)
	}
	return c, resp, ""
}

func wantRefused(t *testing.T, what string, resp *http.Response, body string, status int, reason string) {
	t.Helper()
	if resp.StatusCode != status || body != reason {
		t.Errorf("%s: got %d %q, want %d %q", what, resp.StatusCode, body, status, reason)
	}
}

func TestEventStreamsCountAgainstMaxConnections(t *testing.T) {
	l := startLimited(t, ws.Config{MaxConnections: 2})
	first, _ := l.events(t)
	l.events(t)
	resp, body := l.events(t)
	wantRefused(t, "third event stream", resp, body, http.StatusServiceUnavailable, "too many connections: try again later")
	<-l.ended // the refused request
	_, resp, body = l.dial(t)
	wantRefused(t, "WebSocket past two event streams", resp, body, http.StatusServiceUnavailable, "too many connections: try again later")

	// The client leaves: its place is given back, and the next is accepted.
	first.Body.Close()
	<-l.ended
	if resp, body := l.events(t); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a stream ended: %d %q", resp.StatusCode, body)
	}
}

func TestWebSocketsHoldThePlacesOfEventStreams(t *testing.T) {
	l := startLimited(t, ws.Config{MaxConnections: 2})
	l.dial(t)
	l.events(t)
	resp, body := l.events(t)
	wantRefused(t, "event stream past a WebSocket and a stream", resp, body, http.StatusServiceUnavailable, "too many connections: try again later")
	<-l.ended
	l2 := startLimited(t, ws.Config{MaxConnections: 2})
	l2.dial(t)
	l2.dial(t)
	resp, body = l2.events(t)
	wantRefused(t, "event stream past two WebSockets", resp, body, http.StatusServiceUnavailable, "too many connections: try again later")
}

func TestEventStreamsCountAgainstMaxConnectionsPerIP(t *testing.T) {
	l := startLimited(t, ws.Config{MaxConnectionsPerIP: 1})
	first, _ := l.events(t)
	resp, body := l.events(t)
	wantRefused(t, "second event stream", resp, body, http.StatusTooManyRequests, "too many connections from this address")
	<-l.ended
	_, resp, body = l.dial(t)
	wantRefused(t, "WebSocket past an event stream", resp, body, http.StatusTooManyRequests, "too many connections from this address")
	first.Body.Close()
	<-l.ended
	if c, resp, body := l.dial(t); c == nil { // the place is back: the WebSocket takes it
		t.Fatalf("WebSocket after the stream ended: %d %q", resp.StatusCode, body)
	}
	resp, body = l.events(t)
	wantRefused(t, "event stream past a WebSocket", resp, body, http.StatusTooManyRequests, "too many connections from this address")
}

func TestEventStreamsCountAgainstTheUpgradeRate(t *testing.T) {
	l := startLimited(t, ws.Config{UpgradeRate: 0.001, UpgradeBurst: 1})
	l.events(t)
	resp, body := l.events(t)
	wantRefused(t, "event stream past the upgrade rate", resp, body, http.StatusTooManyRequests, "too many new connections: try again later")
	_, resp, body = l.dial(t)
	wantRefused(t, "WebSocket past the upgrade rate", resp, body, http.StatusTooManyRequests, "too many new connections: try again later")
}

func TestShutdownGivesBackThePlacesOfEventStreams(t *testing.T) {
	l := startLimited(t, ws.Config{MaxConnections: 1})
	l.events(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-l.ended
	if c, resp, body := l.dial(t); c == nil {
		t.Fatalf("WebSocket after the event streams' shutdown: %d %q", resp.StatusCode, body)
	}
}

func TestShutdownOfTheWebSocketServerRefusesEventStreams(t *testing.T) {
	wsrv := ws.NewServer(ws.Config{})
	srv := sse.NewServer(wsrv)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Handle(w, r, &ws.Endpoint{Service: "svc"}, false, "", func(ctx context.Context, st *sse.Stream) error { return nil })
	}))
	defer hs.Close()
	if err := wsrv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := &limited{url: strings.TrimSuffix(hs.URL, "/")}
	req, _ := http.NewRequest(http.MethodGet, l.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	wantRefused(t, "event stream after the ws.Server's shutdown", resp, strings.TrimSpace(string(b)), http.StatusServiceUnavailable, "server shutting down")
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestResumableSessionsAreBoundedPerAddressAndPerSubject(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ip, subject int
		reason      string
	}{
		{"per address", 1, 0, "too many resumable sessions from this address (1)"},
		{"per subject", 0, 1, "too many resumable sessions for these credentials (1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := make(chan struct{})
			s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, true, func(ctx context.Context, st *sse.Stream) error {
				if err := st.Send(ctx, "hello"); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
				case <-stop:
				}
				return nil
			}, sse.WithMaxSessionsPer(tc.ip, tc.subject))
			c := s.open(t, "")
			first := c.mustNext()
			resp := s.get(t, "")
			b, _ := io.ReadAll(resp.Body)
			wantRefused(t, "a second session", resp, strings.TrimSpace(string(b)), http.StatusTooManyRequests, tc.reason)

			// Resuming the session takes no new place.
			c.resp.Body.Close()
			c = s.open(t, first.id)
			close(stop)
			if code, reason := c.end(); code != 1000 {
				t.Fatalf("end %d %q", code, reason)
			}
			// The session ended: its place is back.
			s.open(t, "").mustNext()
		})
	}
}

// metric returns the value of the series name{service="svc",method="feed"}
// (and status, when not ""), 0 when there is none.
func metric(t *testing.T, reg *prometheus.Registry, name, status string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" && l.GetValue() != status {
					continue series
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestEventStreamsAreCountedInTheConnectionMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	l := startLimited(t, ws.Config{MaxConnections: 2, Metrics: ws.NewMetrics(reg)})
	first, _ := l.events(t)
	l.events(t)
	if got := metric(t, reg, "duplex_connections_active", ""); got != 2 {
		t.Errorf("duplex_connections_active = %v with two event streams, want 2", got)
	}
	l.events(t)
	<-l.ended
	if got := metric(t, reg, "duplex_upgrades_refused_total", "503"); got != 1 {
		t.Errorf("duplex_upgrades_refused_total{status=503} = %v after a refused stream, want 1", got)
	}
	first.Body.Close()
	<-l.ended
	if got := metric(t, reg, "duplex_connections_active", ""); got != 1 {
		t.Errorf("duplex_connections_active = %v after a stream ended, want 1", got)
	}
}
