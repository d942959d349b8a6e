package ws

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// countingListener counts the writes to every accepted connection's socket.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestQueuedFramesAreCoalescedIntoFewWrites: frames queued while the writer
// is busy go to the socket in one write per batch, and arrive whole and in
// order, small and large alike, with and without compression.
func TestQueuedFramesAreCoalescedIntoFewWrites(t *testing.T) {
	const total = 100
	// Mostly small frames, and every tenth a large one, around corkLimit/2
	// and above corkLimit.
	sizes := []int{2, 900, 10, 3000, 40 << 10, 2, 900, 10, 3000, 70 << 10}
	const large = total / 5
	frame := func(seq int) []byte {
		b, _ := json.Marshal(map[string]any{"seq": seq, "pad": strings.Repeat("x", sizes[seq%len(sizes)])})
		return b
	}
	for _, compress := range []bool{false, true} {
		name := "plain"
		var opts []Config
		dial := &websocket.DialOptions{}
		if compress {
			name = "deflate"
			opts = append(opts, Config{CompressionThreshold: 512})
			dial.CompressionMode = websocket.CompressionNoContextTakeover
		}
		t.Run(name, func(t *testing.T) {
			var writes atomic.Int64
			conns := make(chan *Conn, 1)
			ts := startServerOn(t, func(l net.Listener) net.Listener { return countingListener{l, &writes} },
				streams(conns), append(opts, Config{SendQueue: 2 * total, SlowConsumer: Disconnect})...)
			client := ts.dial(t, "/stream", dial)
			c := <-conns
			before := writes.Load()

			// Hold the socket while queueing: the writer stops at its first
			// write, so the other frames wait in the queue for one batch.
			c.out.mu.Lock()
			for seq := range total {
				if err := c.SendRaw(frame(seq)); err != nil {
					c.out.mu.Unlock()
					t.Fatalf("SendRaw(%d): %v", seq, err)
				}
			}
			c.out.mu.Unlock()

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for want := range total {
				_, b, err := client.Read(ctx)
				if err != nil {
					t.Fatalf("message %d: %v", want, err)
				}
				if string(b) != string(frame(want)) {
					t.Fatalf("message %d arrived altered or out of order (%d bytes, want %d)", want, len(b), len(frame(want)))
				}
			}
			// A large frame may take two writes of its own (it is not
			// copied); the small ones share the writes of their batch.
			n := writes.Load() - before
			t.Logf("%d socket writes for %d frames", n, total)
			if n > 2*large+8 {
				t.Errorf("%d socket writes for %d frames (%d large): queued frames were not coalesced", n, total, large)
			}
			_ = client.Close(websocket.StatusNormalClosure, "")
			ts.handlerResult(t)
		})
	}
}

// TestWriteDelayGathersABurstIntoOneWrite: with a write delay given to one
// method (Config.Methods), frames sent a few milliseconds apart wait for each
// other and reach the socket in one write, whole and in order; a close
// requested behind queued frames still delivers them first. Other methods
// keep writing at once.
func TestWriteDelayGathersABurstIntoOneWrite(t *testing.T) {
	const (
		burst = 10
		delay = 400 * time.Millisecond
	)
	var writes atomic.Int64
	conns := make(chan *Conn, 1)
	ts := startServerOn(t, func(l net.Listener) net.Listener { return countingListener{l, &writes} },
		streams(conns), Config{Methods: map[string]Config{"test.stream": {WriteDelay: delay}}})
	if d := ts.ws.endpoint(&Endpoint{Service: "test", Method: "echo"}).cfg.WriteDelay; d != 0 {
		t.Fatalf("the echo method has a write delay of %v; Methods gave it to stream only", d)
	}
	nested := Config{Methods: map[string]Config{"test.other": {WriteDelay: delay}}}
	if d := ts.ws.resolve("test", "other", nested).cfg.WriteDelay; d != 0 {
		t.Fatalf("Methods in an endpoint's own Config gave it a write delay of %v; want it ignored", d)
	}
	client := ts.dial(t, "/stream", nil)
	c := <-conns
	before := writes.Load()

	// send queues frames "0" to "n-1", pausing gap after each; receive
	// reads them back in order.
	send := func(n int, gap time.Duration) {
		for seq := range n {
			if err := c.SendRaw([]byte(strconv.Itoa(seq))); err != nil {
				t.Fatalf("SendRaw(%d): %v", seq, err)
			}
			time.Sleep(gap)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	receive := func(n int, when string) {
		for want := range n {
			_, b, err := client.Read(ctx)
			if err != nil {
				t.Fatalf("frame %d %s: %v", want, when, err)
			}
			if string(b) != strconv.Itoa(want) {
				t.Fatalf("frame %d %s arrived as %q", want, when, b)
			}
		}
	}

	// 10 frames 5 ms apart: without the delay each one is written before
	// the next is queued (10 writes).
	send(burst, 5*time.Millisecond)
	receive(burst, "of the burst")
	n := writes.Load() - before
	t.Logf("%d socket writes for %d frames sent 5 ms apart with a %v write delay", n, burst, delay)
	if n > 2 { // one, or two if this machine stretched the burst past the delay
		t.Errorf("%d socket writes for %d frames: the write delay did not gather them", n, burst)
	}

	// A close behind queued frames waits for them.
	send(3, 0)
	go func() { _ = c.Close(StatusNormalClosure, "") }()
	receive(3, "before the close")
	ts.endsNormally(t, client)
}
