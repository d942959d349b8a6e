package resume_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// faultProxy is a TCP proxy between the client and the server that
// injects faults: for connection number i it draws, from a PCG seeded with
// (seed, i), how many bytes to forward in one direction before a fault and
// which fault: drop (RST both sides), stall (stop forwarding for a while,
// then go on or drop), or half-close (end one direction, then drop).
type faultProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	seed   uint64

	// minBytes and maxBytes bound the bytes forwarded before a fault;
	// maxFaults stops injecting after that many (0: no faults).
	minBytes, maxBytes int
	maxFaults          int

	mu      sync.Mutex
	n       uint64
	faults  map[string]int
	blocked bool // accept and close at once, as a dead network would
	// hole, while not nil, is a blackhole: nothing is forwarded, on open
	// connections or new ones, but every socket stays open, as on a path
	// that silently drops packets. Closed when the path comes back.
	hole chan struct{}
	// killResumed drops every connection right after it carried the
	// server's resumed frame, as a server that fails each stream at once
	// would; resumes counts them.
	killResumed bool
	resumes     int
	conns       map[*proxyConn]struct{}
	closed      bool
	wg          sync.WaitGroup
}

func newFaultProxy(t *testing.T, target string, seed uint64, maxFaults int) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, ln: ln, target: target, seed: seed, minBytes: 2 << 10, maxBytes: 16 << 10,
		maxFaults: maxFaults, faults: map[string]int{}, conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// faultCount returns the faults injected so far, by kind, and in all.
func (p *faultProxy) faultCount() (map[string]int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, n := map[string]int{}, 0
	for k, v := range p.faults {
		m[k] = v
		n += v
	}
	return m, n
}

// block makes the network dead: open connections drop, new ones are
// closed at once, until unblock.
func (p *faultProxy) block() {
	p.mu.Lock()
	p.blocked = true
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
}

func (p *faultProxy) unblock() {
	p.mu.Lock()
	p.blocked = false
	p.mu.Unlock()
}

// blackhole stops forwarding bytes, keeping every socket open, until
// restore.
func (p *faultProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hole == nil {
		p.hole = make(chan struct{})
	}
}

func (p *faultProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hole != nil {
		close(p.hole)
		p.hole = nil
	}
}

// resumedAndKilled reports whether b, from the server, carries a resumed
// frame that killResumed drops the connection after.
func (p *faultProxy) resumedAndKilled(b []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.killResumed || !bytes.Contains(b, []byte(`{"resumed":`)) {
		return false
	}
	p.resumes++
	return true
}

// throughHole waits while the path is a blackhole.
func (p *faultProxy) throughHole() {
	p.mu.Lock()
	hole := p.hole
	p.mu.Unlock()
	if hole != nil {
		<-hole
	}
}

func (p *faultProxy) close() {
	p.restore()
	p.mu.Lock()
	p.closed = true
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	p.ln.Close()
	for _, c := range conns {
		c.drop()
	}
	p.wg.Wait()
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.blocked || p.closed {
			p.mu.Unlock()
			down.Close()
			continue
		}
		i := p.n
		p.n++
		inject := p.total() < p.maxFaults
		p.mu.Unlock()
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		c := &proxyConn{p: p, down: down.(*net.TCPConn), up: up.(*net.TCPConn), resumed: make(chan struct{})}
		c.rng = rand.New(rand.NewPCG(p.seed, i))
		c.inject = inject
		c.arm()
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.drop()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go c.copy(c.up, c.down, 0)
		go c.copy(c.down, c.up, 1)
	}
}

// total counts injected faults; p.mu must be held.
func (p *faultProxy) total() int {
	n := 0
	for _, v := range p.faults {
		n += v
	}
	return n
}

var debug = os.Getenv("DUPLEX_RESUME_DEBUG") != ""

type proxyConn struct {
	p        *faultProxy
	down, up *net.TCPConn // client side, server side

	// The next fault: after `after` bytes (both directions), do kind;
	// stalls last pause. A connection that survives a stall is armed
	// again.
	rng    *rand.Rand
	inject bool
	after  int
	kind   string
	pause  time.Duration

	mu      sync.Mutex
	moved   int
	fired   bool
	stalled bool
	halfed  bool          // the server-to-client direction was closed
	resumed chan struct{} // closed when a stall ends or the conn drops
	dropped bool
}

// copy forwards from src to dst (direction dir) until either side fails.
func (c *proxyConn) copy(dst, src *net.TCPConn, dir int) {
	defer c.p.wg.Done()
	defer c.drop()
	buf := make([]byte, 1024)
	for {
		c.p.throughHole() // bytes stay in the kernel's buffers meanwhile
		n, err := src.Read(buf)
		c.p.throughHole()
		if n > 0 {
			if !c.gate(dir, n) {
				return
			}
			if c.discard(dir) {
				continue
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if dir == 1 && c.p.resumedAndKilled(buf[:n]) {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				_ = dst.CloseWrite() // pass a half-close on
				return
			}
			return
		}
	}
}

// gate accounts n bytes in direction dir, fires the fault when due, and
// reports whether forwarding may go on (after a stall, if any).
func (c *proxyConn) gate(dir, n int) bool {
	c.mu.Lock()
	c.moved += n
	fire := c.kind != "" && !c.fired && c.moved >= c.after
	if fire {
		c.fired = true
	}
	stalled, resumed := c.stalled, c.resumed
	kind, pause, moved := c.kind, c.pause, c.moved
	c.mu.Unlock()
	if fire {
		if !c.fire(kind, pause, moved) {
			return false
		}
	} else if stalled {
		<-resumed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.dropped
}

// fire injects the fault; it reports whether the connection survives it.
func (c *proxyConn) fire(kind string, pause time.Duration, moved int) bool {
	c.p.mu.Lock()
	c.p.faults[kind]++
	c.p.mu.Unlock()
	if debug {
		c.p.t.Logf("%s proxy: %s after %d bytes (pause %v)", time.Now().Format("05.000"), kind, moved, pause)
	}
	switch kind {
	case "drop":
		c.drop()
		return false
	case "stall", "stall-drop":
		c.mu.Lock()
		c.stalled = true
		c.mu.Unlock()
		t := time.NewTimer(pause)
		defer t.Stop()
		<-t.C
		if kind == "stall-drop" {
			c.drop()
			return false
		}
		c.mu.Lock()
		c.stalled = false
		if !c.dropped {
			close(c.resumed)
			c.resumed = make(chan struct{})
			c.fired = false
			c.moved = 0
		}
		c.mu.Unlock()
		c.arm()
		return true
	default: // half-close: the client stops hearing the server, then all drops
		c.mu.Lock()
		c.halfed = true
		c.mu.Unlock()
		_ = c.down.CloseWrite()
		t := time.NewTimer(pause)
		defer t.Stop()
		<-t.C
		c.drop()
		return false
	}
}

// arm draws the connection's next fault.
func (c *proxyConn) arm() {
	if !c.inject {
		return
	}
	c.p.mu.Lock()
	stop := c.p.total() >= c.p.maxFaults
	c.p.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if stop {
		c.kind = ""
		return
	}
	c.after = c.p.minBytes + c.rng.IntN(c.p.maxBytes-c.p.minBytes+1)
	c.kind = []string{"drop", "stall", "stall-drop", "half-close"}[c.rng.IntN(4)]
	c.pause = time.Duration(20+c.rng.IntN(280)) * time.Millisecond
}

// discard reports whether bytes in direction dir go nowhere (after a
// half-close of the server-to-client direction).
func (c *proxyConn) discard(dir int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return dir == 1 && c.halfed
}

// drop resets both sides.
func (c *proxyConn) drop() {
	c.mu.Lock()
	if c.dropped {
		c.mu.Unlock()
		return
	}
	c.dropped = true
	select {
	case <-c.resumed:
	default:
		close(c.resumed)
	}
	c.mu.Unlock()
	_ = c.down.SetLinger(0)
	_ = c.up.SetLinger(0)
	c.down.Close()
	c.up.Close()
	c.p.mu.Lock()
	delete(c.p.conns, c)
	c.p.mu.Unlock()
}
