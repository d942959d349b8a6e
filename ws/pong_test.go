package ws

import (
	"encoding/binary"
	"io"
	"testing"
	"time"
)

const opPong = 10

// TestPongsAmongFramesLoseNothing: the pongs a client sends (answers to
// the heartbeat, or unsolicited) are dropped by the handler's wait for the
// socket when they come alone, and wherever they fall among data frames,
// in one write or split across writes, every data frame still arrives
// whole and in order.
func TestPongsAmongFramesLoseNothing(t *testing.T) {
	key := [4]byte{0x8a, 0x80, 0x8a, 0x80} // masked payloads that look like pong headers
	text := func(s string) []byte { return maskedFrame(opText, []byte(s), key) }
	pong := func(payload string) []byte { return maskedFrame(opPong, []byte(payload), key) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	longPong := string(make([]byte, 125))
	cases := []struct {
		name   string
		writes [][]byte
		echoes []string
	}{
		{"a pong alone, then a frame", [][]byte{pong(""), text(`{"n":1}`)}, []string{`{"n":1}`}},
		{"a pong and a frame in one write", [][]byte{cat(pong("p"), text(`{"n":2}`))}, []string{`{"n":2}`}},
		{"two pongs and two frames in one write", [][]byte{cat(pong(""), pong(longPong), text(`{"n":3}`), text(`{"n":4}`))}, []string{`{"n":3}`, `{"n":4}`}},
		{"a frame, then a pong in one write", [][]byte{cat(text(`{"n":5}`), pong("x"))}, []string{`{"n":5}`}},
		{"a pong split inside its header", [][]byte{pong("ab")[:3], cat(pong("ab")[3:], text(`{"n":6}`))}, []string{`{"n":6}`}},
		{"a pong split inside its payload", [][]byte{pong("abcdef")[:8], cat(pong("abcdef")[8:], text(`{"n":7}`))}, []string{`{"n":7}`}},
	}
	ts := startServer(t, echoHandler)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts, "/stream")
			// The handler answers one frame first: it then waits for the
			// socket itself, where pongs are dropped.
			c.frame(t, true, opText, []byte(`{"n":0}`))
			if got, code, _ := c.next(t); got != `{"n":0}` {
				t.Fatalf("first echo: got %q, close %d", got, int(code))
			}
			for i, w := range tc.writes {
				if _, err := c.conn.Write(w); err != nil {
					t.Fatal(err)
				}
				if i < len(tc.writes)-1 {
					// Give the server a chance to read the first part on
					// its own (nothing to wait for: it answers nothing).
					time.Sleep(20 * time.Millisecond)
				}
			}
			for _, want := range tc.echoes {
				if got, code, reason := c.next(t); got != want {
					t.Fatalf("echo: got %q (close %d %q), want %q", got, int(code), reason, want)
				}
			}
			c.closeFrame(t, StatusNormalClosure, nil)
			if _, code, _ := c.next(t); code != StatusNormalClosure {
				t.Fatalf("close: got %d, want 1000", int(code))
			}
			if err := ts.handlerResult(t); err != nil {
				t.Errorf("Handle = %v", err)
			}
		})
	}
}

// nextFrame reads the server's next frame, whatever its opcode.
func (c *rawClient) nextFrame(t *testing.T) (op byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		t.Fatalf("read payload: %v", err)
	}
	return h[0] & 0x0f, payload
}

// TestPongsDroppedInTheWaitKeepThePeerAlive: a peer whose pongs reach a
// handler idle in Receive (they are dropped in its wait for the socket,
// never reaching the library) is alive for the heartbeat: it stays
// connected through many timeouts, and the frames it sends after them
// are echoed.
func TestPongsDroppedInTheWaitKeepThePeerAlive(t *testing.T) {
	const pings = 8 // with a timeout of two intervals: several timeouts pass
	ts := startServer(t, echoHandler, Config{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 40 * time.Millisecond})
	c := dialRaw(t, ts, "/stream")
	c.frame(t, true, opText, []byte(`{"n":0}`))
	got := 0
	for got < pings {
		op, payload := c.nextFrame(t)
		switch op {
		case opText: // the echo of the first frame
		case byte(opPing):
			c.frame(t, true, opPong, payload)
			got++
		default:
			t.Fatalf("after %d pings: got a frame of opcode %d %q; the server dropped a peer that answered", got, op, payload)
		}
	}
	c.frame(t, true, opText, []byte(`{"n":1}`))
	for {
		op, payload := c.nextFrame(t)
		if op == byte(opPing) {
			c.frame(t, true, opPong, payload)
			continue
		}
		if op != opText || string(payload) != `{"n":1}` {
			t.Fatalf("after %d pings: got opcode %d %q, want the echo", pings, op, payload)
		}
		break
	}
	c.closeFrame(t, StatusNormalClosure, nil)
	for {
		op, payload := c.nextFrame(t)
		if op == byte(opPing) {
			continue
		}
		if op != opClose || len(payload) < 2 || binary.BigEndian.Uint16(payload) != uint16(StatusNormalClosure) {
			t.Fatalf("close: got opcode %d %q, want close 1000", op, payload)
		}
		break
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
}

// TestAnsweredPingsKeepTheIntervalsPace: a peer that answers every ping
// is pinged once an interval, however long the timeout (the default is 25
// s and 60 s: proxies that drop a connection silent for a minute must see
// a ping first). The pings are written without waiting for their pongs,
// so a pong must let the next ping come an interval later, not a timeout.
func TestAnsweredPingsKeepTheIntervalsPace(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 5 * time.Second
	const pings = 5
	ts := startServer(t, echoHandler, Config{HeartbeatInterval: interval, HeartbeatTimeout: timeout})
	c := dialRaw(t, ts, "/stream")
	_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	c.frame(t, true, opText, []byte(`{"n":0}`))
	start := time.Now()
	for got := 0; got < pings; {
		op, payload := c.nextFrame(t)
		switch op {
		case opText: // the echo
		case byte(opPing):
			c.frame(t, true, opPong, payload)
			got++
		default:
			t.Fatalf("got a frame of opcode %d", op)
		}
	}
	// At the interval's pace the pings take about 5 × 50 ms; at the
	// timeout's, 4 × 5 s.
	if took := time.Since(start); took >= timeout {
		t.Errorf("%d answered pings took %v, want them an interval (%v) apart, well within the timeout (%v)", pings, took.Round(time.Millisecond), interval, timeout)
	}
	c.closeFrame(t, StatusNormalClosure, nil)
	for {
		if op, _ := c.nextFrame(t); op == opClose {
			break
		}
	}
	if err := ts.handlerResult(t); err != nil {
		t.Errorf("Handle = %v", err)
	}
}
