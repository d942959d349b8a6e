package compat_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	goahttp "goa.design/goa/v3/http"

	dfeed "duplex.dev/bench/duplex/gen/feed"
	dfeedclient "duplex.dev/bench/duplex/gen/http/feed/client"
	dfeedserver "duplex.dev/bench/duplex/gen/http/feed/server"
	gfeed "duplex.dev/bench/goa/gen/feed"
	gfeedclient "duplex.dev/bench/goa/gen/http/feed/client"
	gfeedserver "duplex.dev/bench/goa/gen/http/feed/server"
	"duplex.dev/ws"
)

// tick is the i-th tick (from 1) after since, the same for both services.
func tick(since string, i int) (id, kind string, retry, n int, text string) {
	base, _ := strconv.Atoi(since)
	retry = 0
	if i == 1 {
		retry = 2000
	}
	return strconv.Itoa(base + i), "tick", retry, i, "since " + since + " <&>"
}

// pause is how long the services wait before their last tick: longer than
// the Duplex server's heartbeat interval, so that a heartbeat comment
// would be written (Goa's wire has none).
const pause = 60 * time.Millisecond

type duplexFeed struct{}

func (duplexFeed) Watch(ctx context.Context, p *dfeed.WatchPayload, s dfeed.WatchServerStream) error {
	since := ""
	if p.Since != nil {
		since = *p.Since
	}
	for i := 1; i <= count(p.Count); i++ {
		if i == count(p.Count) {
			waitPause(ctx)
		}
		id, kind, retry, n, text := tick(since, i)
		if err := s.SendWithContext(ctx, &dfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text}); err != nil {
			return err
		}
	}
	return s.Close()
}

func (duplexFeed) Texts(ctx context.Context, p *dfeed.TextsPayload, s dfeed.TextsServerStream) error {
	for i := 1; i <= count(p.Count); i++ {
		id, kind, retry, n, text := tick("", i)
		if err := s.Send(&dfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text}); err != nil {
			return err
		}
	}
	return nil
}

type goaFeed struct{}

func (goaFeed) Watch(ctx context.Context, p *gfeed.WatchPayload, s gfeed.WatchServerStream) error {
	since := ""
	if p.Since != nil {
		since = *p.Since
	}
	for i := 1; i <= count(p.Count); i++ {
		if i == count(p.Count) {
			waitPause(ctx)
		}
		id, kind, retry, n, text := tick(since, i)
		if err := s.SendWithContext(ctx, &gfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text}); err != nil {
			return err
		}
	}
	return s.Close()
}

func (goaFeed) Texts(ctx context.Context, p *gfeed.TextsPayload, s gfeed.TextsServerStream) error {
	for i := 1; i <= count(p.Count); i++ {
		id, kind, retry, n, text := tick("", i)
		if err := s.Send(&gfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text}); err != nil {
			return err
		}
	}
	return nil
}

func count(c *int) int {
	if c == nil {
		return 3
	}
	return *c
}

func waitPause(ctx context.Context) {
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// newDuplexFeed serves the Duplex feed service with a heartbeat shorter
// than pause.
func newDuplexFeed(t *testing.T) *httptest.Server {
	t.Helper()
	srv := dfeedserver.New(dfeed.NewEndpoints(duplexFeed{}), ws.NewServer(ws.Config{HeartbeatInterval: 10 * time.Millisecond, HeartbeatTimeout: time.Second}))
	mux := http.NewServeMux()
	srv.Mount(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Shutdown(context.Background())
	})
	return hs
}

func newGoaFeed(t *testing.T) *httptest.Server {
	t.Helper()
	mux := goahttp.NewMuxer()
	srv := gfeedserver.New(gfeed.NewEndpoints(goaFeed{}), mux, goahttp.RequestDecoder, goahttp.ResponseEncoder, nil, nil)
	gfeedserver.Mount(mux, srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs
}

// TestGoaSSEWireIsGoas reads the same ServerSentEvents methods from the
// Goa server and the Duplex server as plain HTTP requests (no Accept
// header, as Goa's client sends them): the event streams are the same
// bytes (id:, event:, retry: from the result, the data JSON or the raw
// text, Last-Event-ID given to the method, no heartbeat, no end event).
func TestGoaSSEWireIsGoas(t *testing.T) {
	servers := map[string]*httptest.Server{"goa": newGoaFeed(t), "duplex": newDuplexFeed(t)}
	bodies := map[string]map[string]string{}
	for name, hs := range servers {
		bodies[name] = map[string]string{}
		for _, path := range []string{"/feed/watch?count=3", "/feed/texts?count=2"} {
			req, err := http.NewRequest(http.MethodGet, hs.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Last-Event-ID", "41")
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("%s %s: %d %q, want 200 text/event-stream: %s", name, path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			bodies[name][path] = string(b)
		}
	}
	want := "id: 42\nevent: tick\nretry: 2000\ndata: {\"id\":\"42\",\"kind\":\"tick\",\"retry\":2000,\"n\":1,\"text\":\"since 41 \\u003c\\u0026\\u003e\"}\n\n"
	if !strings.HasPrefix(bodies["goa"]["/feed/watch?count=3"], want) {
		t.Fatalf("Goa's wire is not what the test expects:\n%s", bodies["goa"]["/feed/watch?count=3"])
	}
	if diff := cmp.Diff(bodies["goa"], bodies["duplex"]); diff != "" {
		t.Errorf("Duplex event streams differ from Goa's (-goa +duplex):\n%s", diff)
	}
}

// TestGoaSSEClientAgainstDuplexServer reads the Duplex server's
// ServerSentEvents methods with Goa's generated SSE client.
func TestGoaSSEClientAgainstDuplexServer(t *testing.T) {
	for name, hs := range map[string]*httptest.Server{"goa": newGoaFeed(t), "duplex": newDuplexFeed(t)} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := gfeedclient.NewClient("http", strings.TrimPrefix(hs.URL, "http://"), hs.Client(), goahttp.RequestEncoder, goahttp.ResponseDecoder, false)
			since, n := "7", 3
			// Goa's HTTP client stream is not the service's ClientStream
			// (Recv takes a context), so the endpoint is called directly.
			v, err := c.Watch()(ctx, &gfeed.WatchPayload{Since: &since, Count: &n})
			if err != nil {
				t.Fatal(err)
			}
			st := v.(gfeedclient.WatchClientStream)
			defer st.Close()
			var got []gfeed.Tick
			for range 10 {
				ev, err := st.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ev == nil { // Goa's client: the end of the stream
					break
				}
				got = append(got, *ev)
			}
			var want []gfeed.Tick
			for i := 1; i <= n; i++ {
				id, kind, retry, n, text := tick(since, i)
				want = append(want, gfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("watch (-want +got):\n%s", diff)
			}

			tv, err := c.Texts()(ctx, &gfeed.TextsPayload{Count: &n})
			if err != nil {
				t.Fatal(err)
			}
			ts := tv.(gfeedclient.TextsClientStream)
			defer ts.Close()
			var texts []string
			for range 10 {
				ev, err := ts.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ev == nil {
					break
				}
				texts = append(texts, ev.Text)
			}
			if diff := cmp.Diff([]string{"since  <&>", "since  <&>", "since  <&>"}, texts); diff != "" {
				t.Errorf("texts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDuplexClientAgainstGoaSSEServer reads the Goa server's (and the
// Duplex server's) ServerSentEvents methods with Duplex's generated
// client, which reads them as event streams too.
func TestDuplexClientAgainstGoaSSEServer(t *testing.T) {
	for name, hs := range map[string]*httptest.Server{"goa": newGoaFeed(t), "duplex": newDuplexFeed(t)} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := dfeedclient.NewClient("http", strings.TrimPrefix(hs.URL, "http://"), hs.Client(), ws.DialConfig{})
			fc := dfeed.NewClient(c.Watch(), c.Texts())
			since, n := "7", 3
			st, err := fc.Watch(ctx, &dfeed.WatchPayload{Since: &since, Count: &n})
			if err != nil {
				t.Fatal(err)
			}
			var got []dfeed.Tick
			for range 10 {
				ev, err := st.RecvWithContext(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, *ev)
			}
			var want []dfeed.Tick
			for i := 1; i <= n; i++ {
				id, kind, retry, n, text := tick(since, i)
				want = append(want, dfeed.Tick{ID: id, Kind: kind, Retry: retry, N: n, Text: text})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("watch (-want +got):\n%s", diff)
			}

			ts, err := fc.Texts(ctx, &dfeed.TextsPayload{Count: &n})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for range 10 {
				ev, err := ts.RecvWithContext(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				texts = append(texts, ev.Text)
			}
			if diff := cmp.Diff([]string{"since  <&>", "since  <&>", "since  <&>"}, texts); diff != "" {
				t.Errorf("texts (-want +got):\n%s", diff)
			}
		})
	}
}
