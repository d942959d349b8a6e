package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/transport"
	"duplex.dev/ws"
)

// streamPeer is a plain coder/websocket server on 127.0.0.1 standing in for
// a Duplex streaming endpoint. Cleanup waits for every handler.
func streamPeer(t *testing.T, h func(c *websocket.Conn)) string {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []*websocket.Conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, c)
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		defer c.CloseNow()
		h(c)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.CloseNow()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// dialStream opens a client stream to url through transport.Dial.
func dialStream[S, R any](t *testing.T, rawURL string) (context.Context, *transport.ClientStream[S, R]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := transport.Dial[S, R](ctx, &transport.Dialer{Scheme: "http", Host: u.Host}, "test stream", u.EscapedPath(), u.Query(), nil, false)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	c := res.(*transport.ClientStream[S, R])
	t.Cleanup(func() { _ = c.Close() })
	return ctx, c
}

// sendThenClose writes frames then closes with 1000, like a server stream
// (StreamingResult) that ends.
func sendThenClose(frames ...string) func(c *websocket.Conn) {
	return func(c *websocket.Conn) {
		for _, f := range frames {
			if err := c.Write(context.Background(), websocket.MessageText, []byte(f)); err != nil {
				return
			}
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
}

// sumUntilNull reads ints until the client's null, answers their sum and
// closes with 1000, like a StreamingPayload method with a Result; it
// reports the frames it read on got.
func sumUntilNull(got chan<- []string) func(c *websocket.Conn) {
	return func(c *websocket.Conn) {
		var frames []string
		defer func() { got <- frames }()
		sum := 0
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			frames = append(frames, string(b))
			var n *int
			if err := json.Unmarshal(b, &n); err != nil {
				_ = c.Close(websocket.StatusInvalidFramePayloadData, "invalid JSON")
				return
			}
			if n == nil {
				break
			}
			sum += *n
		}
		_ = c.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"total":%d}`, sum))
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
}

type event struct {
	Kind string `json:"kind"`
	Seq  int    `json:"seq"`
}

type total struct {
	Total int `json:"total"`
}

func TestReceiveDecodesStructsUntilEOF(t *testing.T) {
	ctx, c := dialStream[any, *event](t, streamPeer(t, sendThenClose(`{"kind":"join","seq":1}`, `{"kind":"message","seq":2}`)))
	for want := 1; want <= 2; want++ {
		ev, err := c.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("Receive %d: %v", want, err)
		}
		if ev.Seq != want {
			t.Fatalf("Receive %d = %+v", want, ev)
		}
	}
	ev, err := c.RecvWithContext(ctx)
	if err != io.EOF || ev != nil {
		t.Fatalf("Receive after close 1000 = %v, %v; want nil, io.EOF", ev, err)
	}
}

func TestReceiveValueDecodesScalarsAndArrays(t *testing.T) {
	ctx, c := dialStream[any, int](t, streamPeer(t, sendThenClose(`42`)))
	n, err := c.RecvWithContext(ctx)
	if err != nil || n != 42 {
		t.Fatalf("Recv[int] = %v, %v; want 42", n, err)
	}
	n, err = c.RecvWithContext(ctx)
	if err != io.EOF || n != 0 {
		t.Fatalf("Recv after close 1000 = %v, %v; want 0, io.EOF", n, err)
	}
	ctx, xc := dialStream[any, []int](t, streamPeer(t, sendThenClose(`[1,2,3]`)))
	xs, err := xc.RecvWithContext(ctx)
	if err != nil || fmt.Sprint(xs) != "[1 2 3]" {
		t.Fatalf("Recv[[]int] = %v, %v; want [1 2 3]", xs, err)
	}
}

func TestReceiveReturnsTheServersCloseError(t *testing.T) {
	ctx, c := dialStream[any, *event](t, streamPeer(t, func(c *websocket.Conn) {
		_ = c.Close(websocket.StatusInvalidFramePayloadData, `"text" is missing`)
	}))
	_, err := c.RecvWithContext(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusInvalidPayload || ce.Reason != `"text" is missing` {
		t.Fatalf("Receive = %v, want *ws.CloseError 1007 naming the attribute", err)
	}
	_, err = c.RecvWithContext(ctx)
	if !errors.As(err, &ce) {
		t.Fatalf("Recv after the close = %v, want the same *ws.CloseError", err)
	}
}

func TestCloseAndReceiveSendsNullAndReadsTheResult(t *testing.T) {
	got := make(chan []string, 1)
	ctx, c := dialStream[int, *total](t, streamPeer(t, sumUntilNull(got)))
	for _, n := range []int{1, 2, 3} {
		if err := c.SendWithContext(ctx, n); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	res, err := c.CloseAndRecvWithContext(ctx)
	if err != nil || res.Total != 6 {
		t.Fatalf("CloseAndReceive = %+v, %v; want total 6", res, err)
	}
	if frames := <-got; strings.Join(frames, " ") != "1 2 3 null" {
		t.Fatalf("server read %q, want 1 2 3 null", frames)
	}
	if err := c.SendWithContext(ctx, 4); err == nil {
		t.Fatal("Send after CloseAndReceive succeeded; the connection should be closed")
	}
}

func TestCloseAndReceiveValueReadsAScalarResult(t *testing.T) {
	ctx, c := dialStream[string, int](t, streamPeer(t, func(c *websocket.Conn) {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil || string(b) == "null" {
				break
			}
		}
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`17`))
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	if err := c.SendWithContext(ctx, "a"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	n, err := c.CloseAndRecvWithContext(ctx)
	if err != nil || n != 17 {
		t.Fatalf("CloseAndReceiveValue = %v, %v; want 17", n, err)
	}
}

func TestCloseAndReceiveReturnsEOFWithoutAResult(t *testing.T) {
	ctx, c := dialStream[any, *total](t, streamPeer(t, func(c *websocket.Conn) {
		_, _, _ = c.Read(context.Background())
		_ = c.Close(websocket.StatusNormalClosure, "")
	}))
	res, err := c.CloseAndRecvWithContext(ctx)
	if err != io.EOF || res != nil {
		t.Fatalf("CloseAndReceive = %v, %v; want nil, io.EOF", res, err)
	}
	_, err = c.CloseAndRecvWithContext(ctx)
	if err == nil {
		t.Fatal("CloseAndReceiveValue on a closed connection succeeded")
	}
}

func TestCloseClientSendsNullThenNormalClosure(t *testing.T) {
	type seen struct {
		frames []string
		close  websocket.StatusCode
	}
	got := make(chan seen, 1)
	_, c := dialStream[any, any](t, streamPeer(t, func(c *websocket.Conn) {
		var s seen
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				s.close = websocket.CloseStatus(err)
				got <- s
				return
			}
			s.frames = append(s.frames, string(b))
		}
	}))
	if err := c.Close(); err != nil {
		t.Fatalf("CloseClient: %v", err)
	}
	s := <-got
	if strings.Join(s.frames, " ") != "null" || s.close != websocket.StatusNormalClosure {
		t.Fatalf("server read %q then close %v, want null then 1000", s.frames, s.close)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second CloseClient = %v, want nil", err)
	}
}

func TestCloseClientAfterTheServerEndedTheStream(t *testing.T) {
	ctx, c := dialStream[any, *event](t, streamPeer(t, sendThenClose()))
	if _, err := c.RecvWithContext(ctx); err != io.EOF {
		t.Fatalf("Receive = %v, want io.EOF", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("CloseClient after the server's close = %v, want nil", err)
	}
}
