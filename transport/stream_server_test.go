package transport_test

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

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

type note struct {
	Author *string `json:"author"`
	Text   string  `json:"text"`
}

func validateNote(n *note) error {
	if n.Author == nil {
		return duplex.MissingFieldError("author", "body")
	}
	return nil
}

func validateCount(n int) error {
	if n < 0 {
		return duplex.InvalidRangeError("count", n, 0, true)
	}
	return nil
}

// servedStream serves h at /s through transport.Stream on a real server,
// with "unauthorized" mapped to 401, validate checking the messages
// received and "default" as the default view.
func servedStream[R any](t *testing.T, validate func(R) error, h func(ctx context.Context, s *transport.ServerStream[any, R]) error) (string, chan struct{}) {
	t.Helper()
	wsrv := ws.NewServer(ws.Config{})
	ep := &ws.Endpoint{Service: "notes", Method: "post"}
	statuses := transport.Statuses{"unauthorized": http.StatusUnauthorized}
	done := make(chan struct{}, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /s", func(w http.ResponseWriter, r *http.Request) {
		spec := &transport.StreamSpec[any, R]{Endpoint: ep, Statuses: statuses, Validate: validate, DefaultView: "default"}
		streamHandler(wsrv, nil, spec, h).ServeHTTP(w, r)
		done <- struct{}{}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/s", done
}

// streamHandler returns the handler transport.Stream makes of h for a
// method without payload.
func streamHandler[S, R any](wsrv *ws.Server, mgr *resume.Manager, spec *transport.StreamSpec[S, R], h func(ctx context.Context, s *transport.ServerStream[S, R]) error) http.Handler {
	endpoint := func(ctx context.Context, in any) (any, error) { return nil, h(ctx, in.(*transport.ServerStream[S, R])) }
	return transport.Stream(wsrv, mgr, spec, endpoint, nil, func(_ any, s *transport.ServerStream[S, R]) any { return s })
}

func dialServed(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func sendFrame(t *testing.T, c *websocket.Conn, frame string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write %s: %v", frame, err)
	}
}

func readFrame(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func closeFrameOf(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("no close frame: %v", err)
			}
			return ce
		}
	}
}

func TestServeStreamAnswersErrorsBeforeUpgradeAsHTTP(t *testing.T) {
	url, done := servedStream[any](t, nil, func(ctx context.Context, s *transport.ServerStream[any, any]) error {
		if s.Conn().Request().URL.Query().Get("token") == "" {
			return duplex.PermanentError("unauthorized", "missing token")
		}
		return s.SendWithContext(ctx, "hello")
	})
	_, resp, err := websocket.Dial(context.Background(), url, nil)
	if err == nil || resp == nil {
		t.Fatalf("dial without token succeeded: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("goa-error") != "unauthorized" || !strings.Contains(string(body), `"message":"missing token"`) {
		t.Errorf("got %d (goa-error %q) %s, want 401 unauthorized with Goa's error body", resp.StatusCode, resp.Header.Get("goa-error"), body)
	}
	<-done
	c := dialServed(t, url+"?token=t")
	if got := readFrame(t, c); got != `"hello"` {
		t.Errorf("read %s", got)
	}
	if ce := closeFrameOf(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close %d, want 1000", ce.Code)
	}
	<-done
}

func TestRecvValidatesAndEndsOnNull(t *testing.T) {
	ended := make(chan error, 1) // why each stream's last Recv returned
	url, done := servedStream(t, validateNote, func(ctx context.Context, s *transport.ServerStream[any, *note]) error {
		n := 0
		for {
			m, err := s.RecvWithContext(ctx)
			if err != nil {
				ended <- err
			}
			if errors.Is(err, io.EOF) {
				if err := s.SendWithContext(ctx, map[string]int{"received": n}); err != nil {
					return err
				}
				return s.Close()
			}
			if err != nil {
				return err
			}
			n++
			if err := s.SendWithContext(ctx, m); err != nil {
				return err
			}
		}
	})

	t.Run("valid notes are echoed and null ends the client's side", func(t *testing.T) {
		c := dialServed(t, url)
		sendFrame(t, c, `{"author":"ann","text":"hi"}`)
		if got := readFrame(t, c); got != `{"author":"ann","text":"hi"}` {
			t.Errorf("echo %s", got)
		}
		sendFrame(t, c, `null`)
		if got := readFrame(t, c); got != `{"received":1}` {
			t.Errorf("result %s, want the count after io.EOF", got)
		}
		if ce := closeFrameOf(t, c); ce.Code != websocket.StatusNormalClosure {
			t.Errorf("close %d, want 1000", ce.Code)
		}
		if err := <-ended; !errors.Is(err, io.EOF) {
			t.Errorf("Recv after null = %v, want io.EOF", err)
		}
		<-done
	})
	t.Run("a note failing validation closes 1007 naming the attribute", func(t *testing.T) {
		c := dialServed(t, url)
		sendFrame(t, c, `{"text":"anonymous"}`)
		ce := closeFrameOf(t, c)
		if ce.Code != websocket.StatusInvalidFramePayloadData || ce.Reason != `"author" is missing from body` {
			t.Errorf("close %d %q, want 1007 naming author", ce.Code, ce.Reason)
		}
		if err := <-ended; duplex.CodeOf(err) != duplex.CodeInvalid {
			t.Errorf("Recv = %v, want the validation error marked invalid", err)
		}
		<-done
	})
	t.Run("malformed JSON closes 1007", func(t *testing.T) {
		c := dialServed(t, url)
		sendFrame(t, c, `{"author":`)
		ce := closeFrameOf(t, c)
		if ce.Code != websocket.StatusInvalidFramePayloadData || !strings.HasPrefix(ce.Reason, "invalid JSON: ") {
			t.Errorf("close %d %q, want 1007 invalid JSON", ce.Code, ce.Reason)
		}
		if err := <-ended; ws.CloseStatus(err) != ws.StatusInvalidPayload {
			t.Errorf("Recv = %v, want the 1007 close", err)
		}
		<-done
	})
	t.Run("a client close 1000 is io.EOF too", func(t *testing.T) {
		c := dialServed(t, url)
		sendFrame(t, c, `{"author":"bo","text":"bye"}`)
		readFrame(t, c)
		_ = c.Close(websocket.StatusNormalClosure, "")
		if err := <-ended; !errors.Is(err, io.EOF) {
			t.Errorf("Recv after the client's 1000 close = %v, want io.EOF", err)
		}
		<-done
	})
}

func TestRecvValueValidatesScalars(t *testing.T) {
	got := make(chan error, 1)
	url, done := servedStream(t, validateCount, func(ctx context.Context, s *transport.ServerStream[any, int]) error {
		sum := 0
		for {
			n, err := s.RecvWithContext(ctx)
			if err != nil {
				got <- err
				if errors.Is(err, io.EOF) {
					return s.SendWithContext(ctx, sum)
				}
				return err
			}
			sum += n
		}
	})
	c := dialServed(t, url)
	sendFrame(t, c, `2`)
	sendFrame(t, c, `3`)
	sendFrame(t, c, `null`)
	if err := <-got; !errors.Is(err, io.EOF) {
		t.Errorf("RecvValue after null = %v, want io.EOF", err)
	}
	if sum := readFrame(t, c); sum != "5" {
		t.Errorf("sum %s, want 5", sum)
	}
	closeFrameOf(t, c)
	<-done

	c = dialServed(t, url)
	sendFrame(t, c, `-1`)
	ce := closeFrameOf(t, c)
	if ce.Code != websocket.StatusInvalidFramePayloadData || !strings.Contains(ce.Reason, "count") {
		t.Errorf("close %d %q, want 1007 naming count", ce.Code, ce.Reason)
	}
	if err := <-got; duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Errorf("RecvValue error %v is not marked invalid", err)
	}
	<-done
}

func TestViewAndSetView(t *testing.T) {
	url, done := servedStream[any](t, nil, func(ctx context.Context, s *transport.ServerStream[any, any]) error {
		before := s.View()
		if v := s.Conn().Request().URL.Query().Get("view"); v != "" {
			s.SetView(v)
		}
		return s.SendWithContext(ctx, []string{before, s.View()})
	})
	cases := []struct{ query, want string }{
		{"", `["default","default"]`},
		{"?view=tiny", `["default","tiny"]`},
	}
	for _, tc := range cases {
		c := dialServed(t, url+tc.query)
		if got := readFrame(t, c); got != tc.want {
			t.Errorf("views %s, want %s", got, tc.want)
		}
		closeFrameOf(t, c)
		<-done
	}
}

func TestServerStreamCloseSendsQueuedFramesFirst(t *testing.T) {
	url, done := servedStream[any](t, nil, func(ctx context.Context, s *transport.ServerStream[any, any]) error {
		for i := range 3 {
			if err := s.SendWithContext(ctx, i); err != nil {
				return err
			}
		}
		if err := s.Close(); err != nil {
			return err
		}
		if err := s.SendWithContext(ctx, 99); err == nil {
			t.Error("Send after Close succeeded")
		}
		return nil
	})
	c := dialServed(t, url)
	for i, want := range []string{"0", "1", "2"} {
		if got := readFrame(t, c); got != want {
			t.Errorf("frame %d = %s, want %s", i, got, want)
		}
	}
	if ce := closeFrameOf(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close %d, want 1000", ce.Code)
	}
	<-done
}

// TestServerStreamSendPacesAFastProducer: a handler streaming thousands of
// results back to back, faster than the client reads, is paced by Send
// (back-pressure) with the default send queue: every result arrives in
// order, then 1000, instead of a 4000 slow-consumer close.
func TestServerStreamSendPacesAFastProducer(t *testing.T) {
	const total = 5000
	url, done := servedStream[any](t, nil, func(ctx context.Context, s *transport.ServerStream[any, any]) error {
		for i := range total {
			if err := s.SendWithContext(ctx, i); err != nil {
				return err
			}
		}
		return s.Close()
	})
	c := dialServed(t, url)
	for i := range total {
		if got, want := readFrame(t, c), strconv.Itoa(i); got != want {
			t.Fatalf("result %d = %s, want %s", i, got, want)
		}
	}
	if ce := closeFrameOf(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close %d %q, want 1000", ce.Code, ce.Reason)
	}
	<-done
}
