package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The handler reads and writes in its own goroutine while it receives with
// its own context (see Conn's reading fields); these tests cover the turns
// between that and the reader goroutine.

// TestPeerLeavingIsSeenWhileTheHandlerIsAwayFromReceive: after frames were
// read in the handler's goroutine, a handler that stops receiving still
// learns that the peer left (its context is cancelled), because a reader
// goroutine takes over reading.
func TestPeerLeavingIsSeenWhileTheHandlerIsAwayFromReceive(t *testing.T) {
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		for range 3 {
			var v json.RawMessage
			if err := c.Receive(ctx, &v); err != nil {
				return fmt.Errorf("receive: %w", err)
			}
			if err := c.Send(ctx, v); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("the peer closed, but the handler's context was not cancelled")
		}
	})
	c := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		want := fmt.Sprintf(`{"n":%d}`, i)
		write(t, c, websocket.MessageText, []byte(want))
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("echo %d = %s, %v; want %s", i, got, err, want)
		}
	}
	time.Sleep(2 * readerGrace) // the handler is away from Receive
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
}

// TestReceiveSwitchesBetweenItsOwnAndOtherContexts: a Receive with a
// context that ends sooner than the connection gives up and leaves the
// connection open, whether the handler read before or not; the frames then
// come in order, to Receive calls with either kind of context.
func TestReceiveSwitchesBetweenItsOwnAndOtherContexts(t *testing.T) {
	got := make(chan string, 16)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		receive := func(rctx context.Context) error {
			var v json.RawMessage
			if err := c.Receive(rctx, &v); err != nil {
				return err
			}
			got <- string(v)
			return c.Send(ctx, v)
		}
		short := func() error {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
			defer cancel()
			if err := receive(sctx); !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("Receive with a context that ended = %v, want DeadlineExceeded", err)
			}
			return nil
		}
		long := func() error {
			lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return receive(lctx)
		}
		for _, step := range []func() error{
			func() error { return receive(ctx) },
			short, short,
			func() error { return receive(ctx) },
			long,
			func() error { return receive(ctx) },
			short,
			long, long,
			func() error { return receive(ctx) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	c := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 7 {
		want := fmt.Sprintf(`{"n":%d}`, i)
		if i == 1 || i == 4 {
			time.Sleep(100 * time.Millisecond) // after the short Receive calls gave up
		}
		write(t, c, websocket.MessageText, []byte(want))
		_, echo, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if string(echo) != want {
			t.Fatalf("frame %d echoed %s, want %s", i, echo, want)
		}
		if g := <-got; g != want {
			t.Fatalf("handler received %s, want %s", g, want)
		}
	}
	ts.endsNormally(t, c)
}

// TestFramesSentWhileTheHandlerWritesKeepTheirOrder: frames queued with
// SendRaw by another goroutine while the handler's Send writes in its own
// goroutine are all delivered, each sender's in its order.
func TestFramesSentWhileTheHandlerWritesKeepTheirOrder(t *testing.T) {
	const each = 300
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		raw := make(chan error, 1)
		go func() {
			for i := range each {
				if err := c.SendRaw(fmt.Appendf(nil, `[1,%d]`, i)); err != nil {
					raw <- err
					return
				}
			}
			raw <- nil
		}()
		for i := range each {
			if err := c.Send(ctx, [2]int{0, i}); err != nil {
				return err
			}
		}
		return <-raw
	}, Config{SendQueue: 2 * each, SlowConsumer: Disconnect})
	c := ts.dial(t, "/stream", nil)
	readInSenderOrder(t, c, 2, each)
	ts.endsNormally(t, c)
}

// TestABurstAnsweringOneFrameIsCoalesced: the first Send after Receive
// writes in the handler's goroutine, and the rest of a burst goes through
// the queue, where the writer goroutine writes queued frames together: far
// fewer socket writes than frames.
func TestABurstAnsweringOneFrameIsCoalesced(t *testing.T) {
	const total = 200
	var writes atomic.Int64
	started := make(chan int64, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return countingListener{l, &writes} },
		func(ctx context.Context, c *Conn) error {
			var v json.RawMessage
			if err := c.Receive(ctx, &v); err != nil {
				return err
			}
			started <- writes.Load()
			for i := range total {
				if err := c.Send(ctx, seqMessage{Seq: i}); err != nil {
					return err
				}
			}
			return nil
		}, Config{SendQueue: total, SlowConsumer: Disconnect})
	c := ts.dial(t, "/stream", nil)
	write(t, c, websocket.MessageText, []byte(`{}`))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for want := range total {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", want, err)
		}
		if got := frameSeq(t, b); got != want {
			t.Fatalf("got message %d, want %d", got, want)
		}
	}
	n := writes.Load() - <-started
	t.Logf("%d socket writes for %d frames", n, total)
	if n > total/2 {
		t.Errorf("%d socket writes for a burst of %d frames: the burst was not coalesced", n, total)
	}
	ts.endsNormally(t, c)
}

// TestReadingTurnsLoseNoFrame: a stream of frames read while the turn to
// read passes back and forth between the handler and the reader goroutine
// (the handler stays away from Receive longer than readerGrace now and
// then, and receives with another context now and then) arrives whole, in
// order, each frame once.
func TestReadingTurnsLoseNoFrame(t *testing.T) {
	const total = 3000
	result := make(chan error, 1)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		result <- func() error {
			for want := range total {
				rctx := ctx
				var cancel context.CancelFunc = func() {}
				if want%97 == 0 {
					rctx, cancel = context.WithTimeout(ctx, 5*time.Second)
				}
				var m seqMessage
				err := c.Receive(rctx, &m)
				cancel()
				if err != nil {
					return fmt.Errorf("frame %d: %w", want, err)
				}
				if m.Seq != want {
					return fmt.Errorf("got frame %d, want %d", m.Seq, want)
				}
				if want%150 == 0 {
					time.Sleep(readerGrace + readerGrace/4)
				}
			}
			return nil
		}()
		return nil
	})
	c := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range total {
		if err := c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"seq":%d}`, i)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	select {
	case err := <-result:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the handler did not get every frame")
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	ts.handlerResult(t)
}

// TestReadingTurnsUnderRandomSchedules: several connections at once, each
// handler receiving on a seeded random schedule (pauses longer than
// readerGrace, Receive calls with contexts of their own, some of which
// expire before a frame comes, answers now and then) while the heartbeat
// pings: every frame arrives once and in order.
func TestReadingTurnsUnderRandomSchedules(t *testing.T) {
	const conns, total = 6, 1500
	results := make(chan error, conns)
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		var seed uint64
		if _, err := fmt.Sscan(c.Request().URL.Query().Get("seed"), &seed); err != nil {
			return err
		}
		rnd := rand.New(rand.NewPCG(seed, seed))
		results <- func() error {
			for want := 0; want < total; {
				rctx, cancel := ctx, context.CancelFunc(func() {})
				switch n := rnd.IntN(100); {
				case n < 1:
					rctx, cancel = context.WithTimeout(ctx, time.Microsecond)
				case n < 6:
					rctx, cancel = context.WithTimeout(ctx, 10*time.Second)
				}
				var m seqMessage
				err := c.Receive(rctx, &m)
				cancel()
				if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
					continue // gave up before a frame came: the frame comes next
				}
				if err != nil {
					return fmt.Errorf("seed %d, frame %d: %w", seed, want, err)
				}
				if m.Seq != want {
					return fmt.Errorf("seed %d: got frame %d, want %d", seed, m.Seq, want)
				}
				want++
				switch n := rnd.IntN(100); {
				case n < 2:
					time.Sleep(readerGrace + time.Duration(rnd.IntN(10))*time.Millisecond)
				case n < 10:
					if err := c.Send(ctx, m); err != nil {
						return err
					}
				}
			}
			return nil
		}()
		return nil
	}, Config{HeartbeatInterval: 5 * time.Millisecond, HeartbeatTimeout: time.Second})
	// The clients stay open until every handler reported.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c := ts.dial(t, fmt.Sprintf("/stream?seed=%d", 1000+i), nil)
			go func() { // read answers and pings, so the heartbeat is answered
				for {
					if _, _, err := c.Read(ctx); err != nil {
						return
					}
				}
			}()
			for seq := range total {
				if err := c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"seq":%d}`, seq)); err != nil {
					t.Errorf("connection %d: write %d: %v", i, seq, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for range conns {
		select {
		case err := <-results:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("a handler did not get every frame")
		}
	}
}

// TestAnExchangingHandlerReadsItself: once the reader goroutine handed a
// frame to a Receive with the handler's context, the handler reads the
// socket itself: the reader goroutine has stopped, so an idle connection
// keeps one goroutine.
func TestAnExchangingHandlerReadsItself(t *testing.T) {
	frames := make([][]byte, 4)
	for i := range frames {
		frames[i] = fmt.Appendf(nil, `{"n":%d}`, i)
	}
	echoInspecting(t, frames, func(c *Conn, i int) string {
		c.rmu.Lock()
		defer c.rmu.Unlock()
		if c.rloop && i > 0 {
			return "the reader goroutine still reads after the hand-over"
		}
		return ""
	})
}

// echoInspecting echoes frames through a handler that, after receiving
// frame i and before answering it, reports inspect(c, i): "" when all is
// well, else what is wrong, which fails the test. The stream must then end
// with 1000.
func echoInspecting(t *testing.T, frames [][]byte, inspect func(c *Conn, i int) string) {
	t.Helper()
	reports := make(chan string, len(frames))
	ts := startServer(t, func(ctx context.Context, c *Conn) error {
		for i := range frames {
			var v json.RawMessage
			if err := c.Receive(ctx, &v); err != nil {
				return err
			}
			reports <- inspect(c, i)
			if err := c.Send(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	c := ts.dial(t, "/stream", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i, f := range frames {
		write(t, c, websocket.MessageText, f)
		if msg := <-reports; msg != "" {
			t.Fatalf("frame %d: %s", i, msg)
		}
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
	}
	ts.endsNormally(t, c)
}
