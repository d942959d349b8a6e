package ws

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// rawCountingListener counts, on every accepted TCP connection, the
// writes made through syscall.RawConn: the writing turns' writes that
// never wait (the writes of a writer goroutine go through Write).
type rawCountingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l rawCountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return rawCountingConn{tc, l.writes}, nil
	}
	return c, err
}

type rawCountingConn struct {
	*net.TCPConn
	writes *atomic.Int64
}

func (c rawCountingConn) SyscallConn() (syscall.RawConn, error) {
	rc, err := c.TCPConn.SyscallConn()
	return rawCountingRC{rc, c.writes}, err
}

type rawCountingRC struct {
	syscall.RawConn
	writes *atomic.Int64
}

func (rc rawCountingRC) Write(f func(fd uintptr) bool) error {
	rc.writes.Add(1)
	return rc.RawConn.Write(f)
}

// TestFanOutWritesWhatQueuedInOneWritePerMember: frames SendRaw queues for
// many connections wait in line for a writing turn (writeTurn), not for a
// goroutine per connection; the frames queued for a member before its turn
// comes go out together, in one write that does not wait, whole and in
// order.
func TestFanOutWritesWhatQueuedInOneWritePerMember(t *testing.T) {
	const members, messages = 20, 5
	conns := make(chan *Conn, members)
	var writes atomic.Int64
	ts := startServerOn(t, func(l net.Listener) net.Listener { return rawCountingListener{l, &writes} }, streams(conns))
	clients := make([]*websocket.Conn, members)
	servers := make([]*Conn, members)
	for i := range members {
		clients[i] = ts.dial(t, "/stream", nil)
		c := <-conns
		if !c.out.direct {
			t.Skip("no write that never waits on this platform")
		}
		servers[i] = c
	}
	frame := func(seq int) []byte { return fmt.Appendf(nil, `{"seq":%d}`, seq) }

	// The line is held while the room fills: each member's first frame
	// takes the member's writing turn and waits in line (SendRaw hands the
	// member to the line, here in a goroutine of its own), the later frames
	// join the member's queue.
	turns.mu.Lock()
	var firsts sync.WaitGroup
	for _, c := range servers {
		firsts.Add(1)
		go func() {
			defer firsts.Done()
			if err := c.SendRaw(frame(0)); err != nil {
				t.Errorf("SendRaw(0): %v", err)
			}
		}()
		// Queued (the turn is taken in the same critical section) and
		// waiting in line, not written.
		deadline := time.Now().Add(5 * time.Second)
		for c.QueueLen() == 0 && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if c.QueueLen() == 0 {
			turns.mu.Unlock()
			t.Fatal("SendRaw's frame was not left in the queue while the line was held: written by a goroutine of its own")
		}
	}
	for seq := 1; seq < messages; seq++ {
		for _, c := range servers {
			if err := c.SendRaw(frame(seq)); err != nil {
				t.Errorf("SendRaw(%d): %v", seq, err)
			}
		}
	}
	turns.mu.Unlock()
	firsts.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, client := range clients {
		for want := range messages {
			_, b, err := client.Read(ctx)
			if err != nil {
				t.Fatalf("member %d, message %d: %v", i, want, err)
			}
			if string(b) != string(frame(want)) {
				t.Fatalf("member %d got %s, want %s (every message, in order)", i, b, frame(want))
			}
		}
	}
	if n := writes.Load(); n != members {
		t.Errorf("%d writing turns' writes for %d members × %d messages, want one per member", n, members, messages)
	}
	for _, client := range clients {
		_ = client.Close(websocket.StatusNormalClosure, "")
	}
	for range members {
		ts.handlerResult(t)
	}
}
