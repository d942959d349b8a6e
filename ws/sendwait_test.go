package ws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type seqMessage struct {
	Seq int `json:"seq"`
}

// TestSendWaitsForRoomInTheQueue: a handler that sends far more messages
// than its queue holds, back to back, to a client that reads them all, is
// slowed down to the client's pace instead of being disconnected.
func TestSendWaitsForRoomInTheQueue(t *testing.T) {
	const queue, total = 16, 5000
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		func(ctx context.Context, c *Conn) error {
			for i := range total {
				if err := c.Send(ctx, seqMessage{Seq: i}); err != nil {
					return fmt.Errorf("send %d: %w", i, err)
				}
				if n := c.QueueLen(); n > queue {
					return fmt.Errorf("queue holds %d frames, above %d", n, queue)
				}
			}
			return nil
		}, Config{SendQueue: queue, SlowConsumer: Disconnect})
	good := ts.goodPeer(t)
	client := dialSmallReadBuffer(t, ts.wsURL("/stream"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for want := range total {
		_, b, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("message %d: %v (want every message; 4000 means Send did not wait)", want, err)
		}
		if got := frameSeq(t, b); got != want {
			t.Fatalf("got message %d, want %d (every message, in order)", got, want)
		}
	}
	if ce := readClose(t, client); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close = %d %q, want 1000 after the last message", ce.Code, ce.Reason)
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v, want nil", err)
	}
	good.echoes(t)
}

// TestSendGivesUpWhenItsContextEnds: a Send waiting for room returns its
// context's error and leaves the connection open; what was queued is still
// delivered, then the normal close.
func TestSendGivesUpWhenItsContextEnds(t *testing.T) {
	const limit = 10_000
	sent := make(chan int, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		func(ctx context.Context, c *Conn) error {
			n := 0
			for ; n < limit; n++ {
				sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				err := c.Send(sctx, broadcastFrameValue(n))
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				if err != nil {
					return fmt.Errorf("send %d: %w", n, err)
				}
			}
			if err := c.Context().Err(); err != nil {
				return fmt.Errorf("connection ended after a Send gave up: %w", context.Cause(c.Context()))
			}
			sent <- n
			return nil
		}, Config{SendQueue: 1, SlowConsumer: Disconnect, WriteTimeout: time.Minute})
	client := dialSmallReadBuffer(t, ts.wsURL("/stream"))
	var n int
	select {
	case n = <-sent:
	case <-time.After(20 * time.Second):
		t.Fatal("Send never gave up on a client that does not read")
	}
	if n == limit {
		t.Fatalf("all %d messages were accepted by a client that does not read", limit)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for want := range n {
		_, b, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("message %d of %d: %v", want, n, err)
		}
		if got := frameSeq(t, b); got != want {
			t.Fatalf("got message %d, want %d", got, want)
		}
	}
	if ce := readClose(t, client); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close = %d %q, want 1000", ce.Code, ce.Reason)
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
}

// TestSendToAPeerThatStopsReadingFails: Send does not wait forever; after
// the write timeout the peer is dropped and Send returns an error.
func TestSendToAPeerThatStopsReadingFails(t *testing.T) {
	const limit = 100_000
	result := make(chan error, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return smallBuffers{l} },
		func(ctx context.Context, c *Conn) error {
			var err error
			for i := 0; i < limit && err == nil; i++ {
				err = c.Send(ctx, broadcastFrameValue(i))
			}
			result <- err
			return nil
		}, Config{SendQueue: 4, SlowConsumer: Disconnect, WriteTimeout: 100 * time.Millisecond})
	good := ts.goodPeer(t)
	dialSmallReadBuffer(t, ts.wsURL("/stream"))
	select {
	case err := <-result:
		if err == nil {
			t.Fatalf("a client that does not read accepted %d messages", limit)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want the slow-consumer or write-timeout error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Send kept waiting for a client that does not read")
	}
	ts.handlerResult(t)
	good.echoes(t)
}

// broadcastFrameValue is message seq padded to 1 KiB, as a value for Send.
func broadcastFrameValue(seq int) any {
	return struct {
		Seq int    `json:"seq"`
		Pad string `json:"pad"`
	}{seq, padding}
}

var padding = strings.Repeat("x", 1<<10)
