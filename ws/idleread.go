//go:build unix

package ws

import (
	"bufio"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// An idle connection should not keep a read buffer. The library reads
// frames through a bufio.Reader; net/http hands over a 4 KB one, which a
// connection would hold for its whole life, mostly empty. idleReader sits
// under a small bufio.Reader instead: it reads from the socket into a
// pooled chunk only once the socket is readable (the wait holds no
// buffer), hands the bytes out, and returns the chunk to the pool as soon
// as it is drained. Framing stays the library's; this only decides when a
// buffer exists.
type idleReader struct {
	net.Conn
	raw syscall.RawConn

	// mu guards chunk, off and held: the handler fills the chunk while it
	// waits (awaitInput), the library reads it, and the library's close
	// handshake may read from the writer's goroutine.
	mu    sync.Mutex
	chunk *[]byte // unread bytes are (*chunk)[off:]; nil when there are none
	off   int
	held  error // how a read in awaitInput failed, for the library's next Read

	// pinged is the connection's unanswered ping (Unix ns), which
	// awaitInput clears when it drops a pong; closing is closed once the
	// connection is closing (the handler's context): then awaitInput drops
	// nothing.
	pinged  *atomic.Int64
	closing <-chan struct{}

	// read is readOnce as a func value, made once: a closure per fill
	// would cost allocations per frame. n and err are its results.
	read func(fd uintptr) bool
	n    int
	err  error
}

// readChunk is the size of one read from the socket, as net/http's buffer.
const readChunk = 4 << 10

// smallReadBuffer is the size of the bufio.Reader above an idleReader: a
// frame header fits, payloads go around it.
const smallReadBuffer = 128

var readChunks = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// newIdleReader returns an idleReader over nc holding pending, the bytes
// already read from nc; ok is false when nc gives no access to its
// descriptor (TLS, a wrapper): then the caller keeps its own buffer.
func newIdleReader(nc net.Conn, pending []byte) (r *idleReader, ok bool) {
	sc, isSC := nc.(syscall.Conn)
	if !isSC {
		return nil, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	r = &idleReader{Conn: nc, raw: raw}
	r.read = r.readOnce
	if len(pending) > 0 {
		b := make([]byte, len(pending))
		copy(b, pending)
		r.chunk = &b
	}
	return r, true
}

func (r *idleReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	n, err := r.readLocked(p)
	r.mu.Unlock()
	return n, err
}

// readLocked is Read with r.mu held.
func (r *idleReader) readLocked(p []byte) (int, error) {
	if r.chunk == nil {
		if err := r.held; err != nil {
			r.held = nil
			return 0, err
		}
		if len(p) >= readChunk {
			return r.Conn.Read(p) // large enough to read into directly
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, (*r.chunk)[r.off:])
	r.off += n
	if r.off == len(*r.chunk) {
		r.release()
	}
	return n, nil
}

// fill waits until the socket is readable and reads what it has into a
// pooled chunk.
func (r *idleReader) fill() error {
	r.n, r.err = 0, nil
	return r.filled(r.raw.Read(r.read))
}

// filled returns the error of a read by readOnce through raw.Read, which
// returned err.
//
//go:noinline
func (r *idleReader) filled(err error) error {
	switch {
	case err != nil:
		return err
	case r.err != nil:
		return &net.OpError{Op: "read", Net: r.LocalAddr().Network(), Source: r.LocalAddr(), Addr: r.RemoteAddr(), Err: r.err}
	case r.n == 0:
		return io.EOF
	}
	return nil
}

// awaitInput waits until the socket has something to read (bytes, the end
// of the stream or an error) and reads it, one read(2) into a pooled
// chunk, for the library's next Read to find. The complete pong frames at
// the head of what came are dropped, clearing pinged, and the wait goes on
// when nothing else came: a pong (the heartbeat's answer) then costs an
// idle handler one read, not a trip into the library's frame reader, where
// it would stay parked, its stack too deep for the garbage collector to
// shrink. It returns at once when bytes are held
// already, and drops nothing once the connection is closing (the library's
// close handshake may then have read part of a frame). A failed read is
// held for the library's next Read.
func (r *idleReader) awaitInput() {
	r.mu.Lock()
	for r.chunk == nil && r.held == nil && !r.isClosing() {
		// raw.Read is called here, not through fill: an idle handler parks
		// in it, and every frame below it counts against the stack the
		// garbage collector can shrink.
		r.n, r.err = 0, nil
		if err := r.filled(r.raw.Read(r.read)); err != nil {
			r.held = err
			break
		}
		if !r.isClosing() {
			r.dropPongs()
		}
	}
	r.mu.Unlock()
}

//go:noinline
func (r *idleReader) isClosing() bool {
	select {
	case <-r.closing:
		return true
	default:
		return false
	}
}

// dropPongs drops the complete pong frames at the head of the chunk,
// clearing pinged; the chunk starts at a frame's start (awaitInput reads
// only when the library has consumed every byte read before); r.mu is
// held. A client's pong is masked and carries at most 125 bytes: a header
// of 6 bytes and the payload.
//
//go:noinline
func (r *idleReader) dropPongs() {
	b := (*r.chunk)[r.off:]
	i := 0
	for len(b)-i >= 6 {
		const finPong, masked = 0x8a, 0x80
		n := int(b[i+1] &^ masked)
		if b[i] != finPong || b[i+1]&masked == 0 || n > 125 || len(b)-i < 6+n {
			break
		}
		i += 6 + n
	}
	if i == 0 {
		return
	}
	if r.pinged != nil {
		r.pinged.Store(0)
	}
	r.off += i
	if r.off == len(*r.chunk) {
		r.release()
	}
}

// readOnce reads from the socket into a pooled chunk, reporting false
// (wait for the socket, holding no buffer) when it has nothing yet.
func (r *idleReader) readOnce(fd uintptr) bool {
	b := readChunks.Get().(*[]byte)
	*b = (*b)[:readChunk]
	var n int
	var err error
	for {
		n, err = syscall.Read(int(fd), *b)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EAGAIN {
		readChunks.Put(b)
		return false
	}
	if n > 0 {
		*b = (*b)[:n]
		r.chunk, r.off = b, 0
	} else {
		readChunks.Put(b)
		n = 0
	}
	r.n, r.err = n, err
	return true
}

// release returns the drained chunk to the pool (not the one that held
// the bytes read before the hijack, which has another size).
func (r *idleReader) release() {
	if cap(*r.chunk) == readChunk {
		readChunks.Put(r.chunk)
	}
	r.chunk, r.off = nil, 0
}

// buffered returns the number of bytes read from the socket and not handed
// out yet. It looks without r.mu: only the goroutine whose turn it is to
// read calls it, while nobody else reads.
func (r *idleReader) buffered() int {
	if r.chunk == nil {
		return 0
	}
	return len(*r.chunk) - r.off
}

// swapReadBuffer replaces the contents of br, net/http's 4 KB reader of the
// hijacked connection nc, with a small reader over an idleReader, keeping
// the bytes br had already read; it returns the connection the library
// must read through (nc itself when nc cannot be read that way).
func swapReadBuffer(nc net.Conn, br *bufio.Reader) (net.Conn, *idleReader) {
	pending, _ := br.Peek(br.Buffered())
	ir, ok := newIdleReader(nc, pending)
	if !ok {
		return nc, nil
	}
	*br = *bufio.NewReaderSize(ir, smallReadBuffer)
	return ir, ir
}
