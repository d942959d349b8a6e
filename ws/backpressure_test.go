package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// smallBuffers makes the server's socket send buffers small, so that a
// client that stops reading blocks the server's writer after a few frames
// instead of after megabytes of kernel buffering.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

// dialSmallReadBuffer opens a client connection whose socket receive buffer
// is small, set before connecting so the TCP window stays small.
func dialSmallReadBuffer(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = setReceiveBuffer(fd, 4<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	tr := &http.Transport{DialContext: d.DialContext}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() {
		_ = c.CloseNow()
		tr.CloseIdleConnections()
	})
	return c
}

// broadcastFrame is message seq of a broadcast, padded to 1 KiB.
func broadcastFrame(seq int) []byte {
	b, _ := json.Marshal(map[string]any{"seq": seq, "pad": strings.Repeat("x", 1<<10)})
	return b
}

func frameSeq(t *testing.T, b []byte) int {
	var m struct{ Seq int }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("bad frame %q: %v", b, err)
		return -1
	}
	return m.Seq
}

// streams collects the server side of every /stream connection; the
// handler holds each stream open until its context ends.
func streams(conns chan<- *Conn) handlerFunc {
	return func(ctx context.Context, c *Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		conns <- c
		<-ctx.Done()
		return nil
	}
}

func TestSlowConsumerIsDisconnectedOthersGetEverything(t *testing.T) {
	const (
		fast   = 100
		queue  = 32
		window = 16 // broadcast paces itself on the fast readers, < queue
		total  = 12 * window
	)
	conns := make(chan *Conn, fast+1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		// The slow client reads only after the whole broadcast, which may
		// take long on a loaded machine: the write timeout must not drop it
		// before then.
		streams(conns), Config{SendQueue: queue, SlowConsumer: Disconnect, WriteTimeout: time.Minute})
	good := ts.goodPeer(t)

	slowClient := dialSmallReadBuffer(t, ts.wsURL("/stream"))
	slow := <-conns

	acks := make(chan struct{}, fast*total/window)
	var readers sync.WaitGroup
	fastConns := make([]*Conn, 0, fast)
	for range fast {
		c := ts.dial(t, "/stream", nil)
		fastConns = append(fastConns, <-conns)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for want := range total {
				_, b, err := c.Read(context.Background())
				if err != nil {
					t.Errorf("fast reader: message %d: %v", want, err)
					return
				}
				if got := frameSeq(t, b); got != want {
					t.Errorf("fast reader got message %d, want %d (every message, in order)", got, want)
					return
				}
				if (want+1)%window == 0 {
					acks <- struct{}{}
				}
			}
		}()
	}

	var slowErr error
	sentToSlow := 0
	for seq := range total {
		frame := broadcastFrame(seq)
		if slowErr == nil {
			slowErr = slow.SendRaw(frame)
			if slowErr == nil {
				sentToSlow++
			}
			if n := slow.QueueLen(); n > queue {
				t.Fatalf("slow connection's queue holds %d frames, above its size %d", n, queue)
			}
		}
		for _, c := range fastConns {
			if err := c.SendRaw(frame); err != nil {
				t.Fatalf("fast connection: SendRaw(%d): %v", seq, err)
			}
			if n := c.QueueLen(); n > queue {
				t.Fatalf("fast connection's queue holds %d frames, above %d", n, queue)
			}
		}
		if (seq+1)%window == 0 {
			for range fast {
				select {
				case <-acks:
				case <-time.After(30 * time.Second):
					t.Fatalf("fast readers stalled at message %d", seq)
				}
			}
		}
	}
	readers.Wait()
	if !errors.Is(slowErr, errSlowConsumer) {
		t.Fatalf("slow connection: SendRaw error = %v after %d messages, want errSlowConsumer", slowErr, sentToSlow)
	}
	if sentToSlow >= total {
		t.Fatalf("slow connection accepted all %d messages", total)
	}

	// The slow client starts reading only now: what was written before the
	// overflow arrives in order, then the close frame.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	next := 0
	for {
		_, b, err := slowClient.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("slow client: %v, want a close frame", err)
			}
			want := fmt.Sprintf("slow consumer: send queue full (%d messages)", queue)
			if ce.Code != websocket.StatusCode(StatusSlowConsumer) || ce.Reason != want {
				t.Errorf("slow client close = %d %q, want 4000 %q", ce.Code, ce.Reason, want)
			}
			break
		}
		if got := frameSeq(t, b); got != next {
			t.Fatalf("slow client got message %d, want %d", got, next)
		}
		next++
	}
	if next > sentToSlow {
		t.Errorf("slow client read %d messages, only %d were accepted", next, sentToSlow)
	}
	if ts.handlerResult(t) != nil {
		t.Error("slow stream's Handle returned an error")
	}
	good.echoes(t)
}

const dropOldestTotal = 200

func TestDropOldestKeepsNewest(t *testing.T) {
	dropOldest(t)
}

// dropOldest sends dropOldestTotal frames to a client that reads only
// afterwards, under DropOldest with a queue of 4, checks that the newest
// arrive in order with gaps, and returns how many arrived once the stream
// is released.
func dropOldest(t *testing.T, cfgs ...Config) (*testServer, int) {
	t.Helper()
	const queue, total = 4, dropOldestTotal
	conns := make(chan *Conn, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		streams(conns), append([]Config{Config{SendQueue: queue, SlowConsumer: DropOldest}}, cfgs...)...)
	good := ts.goodPeer(t)
	client := dialSmallReadBuffer(t, ts.wsURL("/stream"))
	c := <-conns
	for seq := range total {
		if err := c.SendRaw(broadcastFrame(seq)); err != nil {
			t.Fatalf("SendRaw(%d) = %v, want nil under DropOldest", seq, err)
		}
		if n := c.QueueLen(); n > queue {
			t.Fatalf("queue holds %d frames, above %d", n, queue)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	last, got := -1, 0
	for last != total-1 {
		_, b, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("read after message %d: %v", last, err)
		}
		seq := frameSeq(t, b)
		if seq <= last {
			t.Fatalf("message %d after %d: order broken", seq, last)
		}
		last = seq
		got++
	}
	if got == total {
		t.Errorf("all %d messages arrived: nothing was dropped, the test did not block the writer", total)
	}
	good.echoes(t)
	_ = client.Close(websocket.StatusNormalClosure, "")
	ts.handlerResult(t)
	return ts, got
}

func TestShutdownClosesEveryStream1001AndWaitsForHandlers(t *testing.T) {
	const n = 50
	var mu sync.Mutex
	returned := 0
	started := make(chan struct{}, n)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		defer func() {
			mu.Lock()
			returned++
			mu.Unlock()
		}()
		if err := c.Send(ctx, "ready"); err != nil {
			return err
		}
		started <- struct{}{}
		<-ctx.Done()
		var ce *CloseError
		if !errors.As(context.Cause(ctx), &ce) || ce.Code != StatusGoingAway {
			t.Errorf("handler context cause = %v, want the 1001 close", context.Cause(ctx))
		}
		return nil
	})
	closes := make(chan websocket.CloseError, n)
	for range n {
		c := ts.dial(t, "/stream", nil)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for {
				if _, _, err := c.Read(ctx); err != nil {
					var ce websocket.CloseError
					if !errors.As(err, &ce) {
						ce = websocket.CloseError{Code: -1, Reason: err.Error()}
					}
					closes <- ce
					return
				}
			}
		}()
	}
	for range n {
		<-started
	}
	if got := ts.ws.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ts.ws.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	mu.Lock()
	if returned != n {
		t.Errorf("%d handlers returned before Shutdown did, want %d", returned, n)
	}
	mu.Unlock()
	if got := ts.ws.Len(); got != 0 {
		t.Errorf("Len = %d after Shutdown", got)
	}
	for range n {
		ce := <-closes
		if ce.Code != websocket.StatusGoingAway || ce.Reason != "server shutting down" {
			t.Errorf("client close = %d %q, want 1001 %q", ce.Code, ce.Reason, "server shutting down")
		}
	}
	for range n {
		ts.handlerResult(t)
	}
	_, resp, err := websocket.Dial(context.Background(), ts.wsURL("/stream"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Shutdown: %v, %v; want HTTP 503", err, resp)
	}
	ts.handlerResult(t)
}
