package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	duplex "duplex.dev"
)

func TestConnectionsHaveIDsAndLeaveTheRegistryOnEveryExit(t *testing.T) {
	ids := make(chan string, 16)
	causes := make(chan error, 16)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		ids <- c.ID()
		var cmd string
		err := c.Receive(ctx, &cmd)
		causes <- context.Cause(ctx)
		switch {
		case err != nil:
			return err
		case cmd == "fail":
			return errors.New("database is down")
		case cmd == "panic":
			panic("bug")
		case cmd == "done":
			return nil
		}
		return duplex.NewError(duplex.CodeInvalid, "", "unknown command %q", cmd)
	})
	good := ts.goodPeer(t)
	cases := []struct {
		name   string
		act    func(t *testing.T, c *websocket.Conn)
		code   websocket.StatusCode
		reason string
	}{
		{"the handler returns nil", func(t *testing.T, c *websocket.Conn) { write(t, c, websocket.MessageText, []byte(`"done"`)) }, websocket.StatusNormalClosure, ""},
		{"the handler fails", func(t *testing.T, c *websocket.Conn) { write(t, c, websocket.MessageText, []byte(`"fail"`)) }, websocket.StatusInternalError, "internal error"},
		{"the handler rejects input", func(t *testing.T, c *websocket.Conn) { write(t, c, websocket.MessageText, []byte(`"dance"`)) }, websocket.StatusInvalidFramePayloadData, `unknown command "dance"`},
		{"the handler panics", func(t *testing.T, c *websocket.Conn) { write(t, c, websocket.MessageText, []byte(`"panic"`)) }, websocket.StatusInternalError, "internal error"},
		{"the client closes", func(t *testing.T, c *websocket.Conn) { _ = c.Close(websocket.StatusGoingAway, "tab closed") }, -1, ""},
		{"the client vanishes", func(t *testing.T, c *websocket.Conn) { _ = c.CloseNow() }, -1, ""},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t, "/stream", nil)
			id := <-ids
			if id == "" || seen[id] {
				t.Errorf("connection id %q is empty or reused", id)
			}
			seen[id] = true
			if n := ts.ws.Len(); n != 2 {
				t.Errorf("Len = %d with two open connections", n)
			}
			tc.act(t, c)
			if tc.code != -1 {
				ce := readClose(t, c)
				if ce.Code != tc.code || ce.Reason != tc.reason {
					t.Errorf("close = %d %q, want %d %q", ce.Code, ce.Reason, tc.code, tc.reason)
				}
			}
			if cause := <-causes; tc.code == -1 && cause == nil {
				t.Error("the handler's context was not cancelled when the peer left")
			}
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle = %v", err)
			}
			ts.waitReleased(t, id)
			if n := ts.ws.Len(); n != 1 {
				t.Errorf("Len = %d after the stream ended, want 1", n)
			}
			good.echoes(t)
		})
	}
	if !strings.Contains(ts.logs.String(), "database is down") {
		t.Error("the detail of a 1011 failure is not logged")
	}
}

func TestSendIsSafeFromManyGoroutines(t *testing.T) {
	const senders, each = 8, 100
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		var wg sync.WaitGroup
		for g := range senders {
			wg.Go(func() {
				for i := range each {
					if err := c.Send(ctx, [2]int{g, i}); err != nil {
						t.Errorf("Send: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		return nil
	}, Config{SendQueue: senders * each, SlowConsumer: Disconnect})
	c := ts.dial(t, "/stream", nil)
	readInSenderOrder(t, c, senders, each)
	ts.endsNormally(t, c)
}

// readInSenderOrder reads each frames from each of senders, every frame a
// JSON [sender, seq] pair, and fails unless every sender's frames arrive
// whole and in the order it sent them.
func readInSenderOrder(t *testing.T, c *websocket.Conn, senders, each int) {
	t.Helper()
	next := make([]int, senders)
	for range senders * each {
		_, b, err := c.Read(context.Background())
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m [2]int
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("frame %q is not one JSON document: %v", b, err)
		}
		if m[0] < 0 || m[0] >= senders || m[1] != next[m[0]] {
			t.Fatalf("frame %s: want sender < %d with its message %d", b, senders, next[min(max(m[0], 0), senders-1)])
		}
		next[m[0]]++
	}
}

func TestPeerThatStopsReadingIsDroppedAfterWriteTimeout(t *testing.T) {
	conns := make(chan *Conn, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		streams(conns), Config{WriteTimeout: 100 * time.Millisecond, SendQueue: 1 << 20, SlowConsumer: Disconnect})
	good := ts.goodPeer(t)
	dialSmallReadBuffer(t, ts.wsURL("/stream"))
	c := <-conns
	frame := broadcastFrame(0)
	for i := 0; i < 10_000; i++ {
		if err := c.SendRaw(frame); err != nil {
			break // dropped: the writer timed out meanwhile
		}
	}
	select {
	case <-c.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a peer that does not read was never dropped")
	}
	if cause := context.Cause(c.Context()); !errors.Is(cause, errWriteTimeout) {
		t.Errorf("cause = %v, want the write timeout", cause)
	}
	ts.handlerResult(t)
	good.echoes(t)
}

// TestWritesSpreadOverTheWriteTimeoutDoNotExpire: the write timeout bounds
// each write, not the time since the first one: a handler that sends a
// frame every 20 ms for six times the 50 ms timeout, to a peer that reads
// them, is not dropped (the timer is not moved by every write; when it
// fires between writes it must stay quiet).
func TestWritesSpreadOverTheWriteTimeoutDoNotExpire(t *testing.T) {
	const frames = 15
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := range frames {
			if err := c.Send(ctx, i); err != nil {
				return err
			}
			<-tick.C
		}
		return nil
	}, Config{WriteTimeout: 50 * time.Millisecond})
	c := ts.dial(t, "/stream", nil)
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range frames {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v (the server dropped a peer that reads)", i, err)
		}
		if string(b) != fmt.Sprint(i) {
			t.Fatalf("frame %d = %s", i, b)
		}
	}
	ts.endsNormally(t, c)
}

// TestReleasedConnectionHasNoWriteTimerArmed: the write timer is not
// stopped after every write; once the connection is released it is, so
// that it does not hold the connection until it fires (WriteTimeout, 10 s
// by default, after the last write).
func TestReleasedConnectionHasNoWriteTimerArmed(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		return c.Send(ctx, "hello")
	})
	c := ts.dial(t, "/stream", nil)
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatal(err)
	}
	ts.endsNormally(t, c)
	var conn *Conn
	select {
	case conn = <-ts.released:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection was released")
	}
	wt := conn.wtimer.Load()
	if wt == nil {
		t.Fatal("the connection wrote without a write timer")
	}
	if wt.Stop() {
		t.Error("the write timer was still armed after the connection was released")
	}
}

func TestEndpointOptionsApplyAfterTheServers(t *testing.T) {
	srv := NewServer(Config{ReadLimit: 1000, Logger: slog.New(slog.DiscardHandler)})
	small := &Endpoint{Service: "s", Method: "small", Config: Config{ReadLimit: 10}}
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { _ = srv.Handle(w, r, small, echoHandler) })
	mux.HandleFunc("/default", func(w http.ResponseWriter, r *http.Request) { _ = srv.Handle(w, r, nil, echoHandler) })
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	frame := []byte(`"` + strings.Repeat("a", 20) + `"`)
	for path, want := range map[string]websocket.StatusCode{"/small": websocket.StatusMessageTooBig, "/default": -1} {
		c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		write(t, c, websocket.MessageText, frame)
		if want == -1 {
			if _, b, err := c.Read(context.Background()); err != nil || string(b) != string(frame) {
				t.Errorf("%s: echo = %s, %v", path, b, err)
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			continue
		}
		if ce := readClose(t, c); ce.Code != want || ce.Reason != "message too big: the limit is 10 bytes" {
			t.Errorf("%s: close %d %q, want %d for the endpoint's limit", path, ce.Code, ce.Reason, want)
		}
		_ = c.CloseNow()
	}
}

func TestUnusedConnIsUpgradedAndClosedNormally(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error { return nil })
	c := ts.dial(t, "/stream", nil)
	ts.endsNormally(t, c)
}

func TestShutdownCancelsHandlersWaitingBeforeTheUpgrade(t *testing.T) {
	waiting := make(chan struct{})
	upgradeErr := make(chan error, 1)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		close(waiting)
		<-ctx.Done() // e.g. an authorization call that honours ctx
		err := c.Upgrade()
		upgradeErr <- err
		return err
	})
	dialed := make(chan *http.Response, 1)
	go func() {
		_, resp, _ := websocket.Dial(context.Background(), ts.wsURL("/stream"), nil)
		dialed <- resp
	}()
	<-waiting
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.ws.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-upgradeErr; err == nil {
		t.Error("Upgrade after Shutdown succeeded")
	}
	if resp := <-dialed; resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("response = %v, want HTTP 503", resp)
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v, want nil (it answered 503 itself)", err)
	}
}
