package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestPeerThatAnswersPingsStaysConnected: a peer that answers pings the way
// browsers do (automatically, while it reads) outlives many heartbeat
// timeouts, whether its handler is waiting in Receive or only sending.
func TestPeerThatAnswersPingsStaysConnected(t *testing.T) {
	const pings = 8 // with a timeout of two intervals: several timeouts pass
	for _, receiving := range []bool{true, false} {
		name := "handler receiving"
		if !receiving {
			name = "handler only sending"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, func(ctx context.Context, c *Conn) error {
				if receiving {
					var v any
					if err := c.Receive(ctx, &v); !errors.Is(err, io.EOF) {
						return fmt.Errorf("receive: %w, want io.EOF when the client closes", err)
					}
					return nil
				}
				if err := c.Upgrade(); err != nil {
					return err
				}
				<-ctx.Done()
				return nil
			}, Config{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 40 * time.Millisecond})
			got := make(chan struct{}, pings)
			c := ts.dial(t, "/stream", &websocket.DialOptions{
				OnPingReceived: func(context.Context, []byte) bool {
					select {
					case got <- struct{}{}:
					default:
					}
					return true // answer with a pong, as a browser does
				},
			})
			readErr := make(chan error, 1)
			go func() {
				_, _, err := c.Read(context.Background()) // reads control frames meanwhile
				readErr <- err
			}()
			for i := range pings {
				select {
				case <-got:
				case err := <-readErr:
					t.Fatalf("connection ended after %d pings: %v", i, err)
				case <-time.After(10 * time.Second):
					t.Fatalf("only %d pings arrived", i)
				}
			}
			if n := ts.ws.Len(); n != 1 {
				t.Fatalf("Len = %d, want the answering peer still connected", n)
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			<-readErr
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle = %v", err)
			}
		})
	}
}

// TestPeerThatSendsButNeverReadsStaysConnected: a client→server stream from
// a client that reads only at the end (Goa's client on gorilla answers pings
// only while reading) is alive as long as its frames keep arriving.
func TestPeerThatSendsButNeverReadsStaysConnected(t *testing.T) {
	const interval, timeout = 20 * time.Millisecond, 50 * time.Millisecond
	const n = 60
	got := make(chan int, 1)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		count := 0
		for {
			var v string
			err := c.Receive(ctx, &v)
			if errors.Is(err, io.EOF) {
				got <- count
				return c.Send(ctx, count)
			}
			if err != nil {
				got <- -1
				return err
			}
			count++
		}
	}, Config{HeartbeatInterval: interval, HeartbeatTimeout: timeout})
	sender := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Ten heartbeat timeouts of sending, never reading (bounded by count).
	for range n {
		if err := sender.Write(ctx, websocket.MessageText, []byte(`"tick"`)); err != nil {
			t.Fatalf("write: %v: the server dropped a peer that sends but does not read", err)
		}
		time.Sleep(timeout / 5)
	}
	if err := sender.Write(ctx, websocket.MessageText, []byte("null")); err != nil {
		t.Fatal(err)
	}
	if count := <-got; count != n {
		t.Fatalf("server received %d messages, want %d", count, n)
	}
	sender.Close(websocket.StatusNormalClosure, "")
}
