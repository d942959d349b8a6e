package sse_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duplex.dev/sse"
	"duplex.dev/ws"
)

// server is an sse.Server on a real 127.0.0.1 listener for one test.
type server struct {
	url string
	srv *sse.Server
}

// startServer serves every request with h as an event stream of endpoint
// ep (resumable or not) until the test ends.
func startServer(t *testing.T, ep *ws.Endpoint, resumable bool, h func(ctx context.Context, st *sse.Stream) error, opts ...sse.Option) *server {
	t.Helper()
	srv := sse.NewServer(ws.NewServer(ws.Config{}), opts...)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := srv.Handle(w, r, ep, resumable, "subject", h); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return &server{url: hs.URL, srv: srv}
}

type event struct{ id, typ, data string }

type stream struct {
	t    *testing.T
	resp *http.Response
	r    *bufio.Reader
}

// get asks for the event stream; lastID is sent as Last-Event-ID unless "".
func (s *server) get(t *testing.T, lastID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (s *server) open(t *testing.T, lastID string) *stream {
	t.Helper()
	resp := s.get(t, lastID)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %s: %s", resp.Status, b)
	}
	return &stream{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
}

func (s *stream) next() (event, error) {
	var ev event
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && data != nil:
			ev.data = strings.Join(data, "\n")
			return ev, nil
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.typ = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		}
	}
}

func (s *stream) mustNext() event {
	s.t.Helper()
	ev, err := s.next()
	if err != nil {
		s.t.Fatalf("read event: %v", err)
	}
	return ev
}

// end reads events until the end event and returns its code.
func (s *stream) end() (code int, reason string) {
	s.t.Helper()
	for {
		ev := s.mustNext()
		if ev.typ == sse.EndEvent {
			var b struct {
				Code   int
				Reason string
			}
			if err := json.Unmarshal([]byte(ev.data), &b); err != nil {
				s.t.Fatalf("end event %q: %v", ev.data, err)
			}
			return b.Code, b.Reason
		}
	}
}

func TestClientGoneEndsTheHandlerAndReleasesTheStream(t *testing.T) {
	returned := make(chan error, 1)
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, false, func(ctx context.Context, st *sse.Stream) error {
		if err := st.Send(ctx, "hello"); err != nil {
			return err
		}
		<-ctx.Done()
		returned <- context.Cause(ctx)
		return nil
	})
	c := s.open(t, "")
	if ev := c.mustNext(); ev.data != `"hello"` || ev.id != "" {
		t.Fatalf("event %+v, want data \"hello\" and no id (not resumable)", ev)
	}
	c.resp.Body.Close()
	select {
	case err := <-returned:
		if err == nil {
			t.Fatal("handler context ended without a cause")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running 10 s after the client left")
	}
}

func TestSlowReaderIsEndedWith4000UnderDisconnect(t *testing.T) {
	got := make(chan error, 1)
	big := []byte(`"` + strings.Repeat("x", 64<<10) + `"`)
	ep := &ws.Endpoint{Service: "s", Method: "slow", Config: ws.Config{SendQueue: 4, SlowConsumer: ws.Disconnect}}
	s := startServer(t, ep, false, func(ctx context.Context, st *sse.Stream) error {
		for range 10_000 {
			if err := st.SendRaw(big); err != nil {
				got <- err
				<-ctx.Done()
				return nil
			}
		}
		got <- nil
		<-ctx.Done()
		return nil
	})
	c := s.open(t, "") // and read nothing until the queue overflowed
	select {
	case err := <-got:
		if !errors.Is(err, sse.ErrSlowConsumer) {
			t.Fatalf("SendRaw to a reader that does not read: %v, want sse.ErrSlowConsumer", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("SendRaw never overflowed")
	}
	if code, reason := c.end(); code != int(ws.StatusSlowConsumer) || !strings.Contains(reason, "slow consumer") {
		t.Fatalf("end event %d %q, want 4000 slow consumer", code, reason)
	}
}

func TestSlowReaderLosesTheOldestUnderDropOldest(t *testing.T) {
	const n = 500 // of 64 KiB: more than loopback socket buffers hold
	sent := make(chan struct{})
	ep := &ws.Endpoint{Service: "s", Method: "drop", Config: ws.Config{SendQueue: 2, SlowConsumer: ws.DropOldest}}
	s := startServer(t, ep, false, func(ctx context.Context, st *sse.Stream) error {
		pad := strings.Repeat("x", 64<<10)
		for i := range n {
			if err := st.SendRaw(fmt.Appendf(nil, `"%d %s"`, i, pad)); err != nil {
				return err
			}
		}
		close(sent)
		return st.Close(ws.StatusNormalClosure, "")
	})
	c := s.open(t, "") // and read nothing until every event was queued
	<-sent
	var got []string
	for {
		ev := c.mustNext()
		if ev.typ == sse.EndEvent {
			break
		}
		num, _, _ := strings.Cut(strings.Trim(ev.data, `"`), " ")
		got = append(got, num)
	}
	if len(got) >= n || got[len(got)-1] != fmt.Sprint(n-1) {
		t.Fatalf("got %d events, the last %s: want fewer than %d (the oldest dropped) ending with %d", len(got), got[len(got)-1], n, n-1)
	}
}

func TestShutdownEndsEveryStreamWithEnd1001(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, true, func(ctx context.Context, st *sse.Stream) error {
		if err := st.Send(ctx, 1); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	})
	c := s.open(t, "")
	c.mustNext()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Shutdown(ctx) }()
	if code, reason := c.end(); code != int(ws.StatusGoingAway) || reason != "server shutting down" {
		t.Fatalf("end event %d %q, want 1001 server shutting down", code, reason)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if resp := s.get(t, ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("request after shutdown: %s, want 503", resp.Status)
	}
}

func TestLastEventIDMalformedTooOldOrUnknownIsRefused(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, true, func(ctx context.Context, st *sse.Stream) error {
		for i := range 5 {
			if err := st.Send(ctx, i); err != nil {
				return err
			}
		}
		<-ctx.Done()
		return nil
	}, sse.WithReplay(2))
	c := s.open(t, "")
	first := c.mustNext()
	for range 4 {
		c.mustNext()
	}
	c.resp.Body.Close()
	token, _, _ := strings.Cut(first.id, ".")

	for _, tc := range []struct {
		name, lastID string
		status       int
		reason       string
	}{
		{"malformed", "not an id", http.StatusBadRequest, "malformed"},
		{"with a sequence that is not a number", token + ".x", http.StatusBadRequest, "not a number"},
		{"ahead of the stream", token + ".9", http.StatusBadRequest, "never sent"},
		{"older than the events kept", first.id, http.StatusGone, "too old"},
		{"of an unknown session", "AAAAAAAAAAAAAAAAAAAAAA.1", http.StatusGone, "unknown"},
	} {
		t.Run(tc.name+" gets "+fmt.Sprint(tc.status), func(t *testing.T) {
			resp := s.get(t, tc.lastID)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.reason) {
				t.Fatalf("%s %q, want %d naming %q", resp.Status, b, tc.status, tc.reason)
			}
		})
	}
	t.Run("one of the events kept resumes after it", func(t *testing.T) {
		c := s.open(t, token+".4")
		if ev := c.mustNext(); ev.id != token+".5" || ev.data != "4" {
			t.Fatalf("first event %+v, want id %s.5, data 4", ev, token)
		}
	})
}

func TestReceiveFails(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, false, func(ctx context.Context, st *sse.Stream) error {
		if err := st.Start(); err != nil {
			return err
		}
		if _, err := st.Conn().Receive(ctx); !errors.Is(err, sse.ErrReceive) {
			return fmt.Errorf("Receive: %v", err)
		}
		return st.Close(ws.StatusNormalClosure, "")
	})
	c := s.open(t, "")
	if code, _ := c.end(); code != 1000 {
		t.Fatalf("end %d, want 1000", code)
	}
}

func TestHandlerErrorBeforeTheFirstEventIsHTTP(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, false, func(ctx context.Context, st *sse.Stream) error {
		return errors.New("no credentials")
	})
	if resp := s.get(t, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %s, want the caller's 401", resp.Status)
	}
}

func TestHandlerErrorAfterTheFirstEventIsAnEndEvent(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, false, func(ctx context.Context, st *sse.Stream) error {
		if err := st.Send(ctx, 1); err != nil {
			return err
		}
		return &ws.CloseError{Code: ws.StatusUnauthorized, Reason: "token expired"}
	})
	c := s.open(t, "")
	if code, reason := c.end(); code != 4501 || reason != "token expired" {
		t.Fatalf("end %d %q, want 4501 token expired", code, reason)
	}
}

func TestAcceptsReadsTheAcceptHeader(t *testing.T) {
	for _, c := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{"application/json"}, false},
		{[]string{"text/event-stream"}, true},
		{[]string{"text/html, Text/Event-Stream;q=0.9"}, true},
		{[]string{"application/json", "text/event-stream"}, true},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, a := range c.accept {
			r.Header.Add("Accept", a)
		}
		if got := sse.Accepts(r); got != c.want {
			t.Errorf("Accepts(%q) = %v, want %v", c.accept, got, c.want)
		}
	}
}

func TestAFrameWithNewlinesIsOneEventOfSeveralDataLines(t *testing.T) {
	s := startServer(t, &ws.Endpoint{Service: "s", Method: "m"}, false, func(ctx context.Context, st *sse.Stream) error {
		if err := st.SendRaw([]byte("{\n\"a\": 1\r\n}")); err != nil {
			return err
		}
		return st.Close(ws.StatusNormalClosure, "")
	})
	c := s.open(t, "")
	if ev := c.mustNext(); ev.data != "{\n\"a\": 1\n}" {
		t.Fatalf("data %q: want the frame's lines joined back", ev.data)
	}
}
