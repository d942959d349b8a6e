//go:build unix

package ws

import (
	"bufio"
	"io"
	"net"
	"sync"
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
	raw   syscall.RawConn
	chunk *[]byte // unread bytes are (*chunk)[off:]; nil when there are none
	off   int

	// read is readOnce as a func value, made once: a closure per fill
	// would cost allocations per frame. n and err are its results.
	read func(fd uintptr) bool
	n    int
	err  error
	// peek is peekOnce as a func value, made once; peekBuf is its byte.
	peek    func(fd uintptr) bool
	peekBuf [1]byte
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
	r.peek = r.peekOnce
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
	if r.chunk == nil {
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
	if err := r.raw.Read(r.read); err != nil {
		return err
	}
	switch {
	case r.err != nil:
		return &net.OpError{Op: "read", Net: r.LocalAddr().Network(), Source: r.LocalAddr(), Addr: r.RemoteAddr(), Err: r.err}
	case r.n == 0:
		return io.EOF
	}
	return nil
}

// waitReadable waits until the socket has something to read (bytes, the
// end of the stream or an error), without reading it: whoever reads next
// (the handler's Receive, or the library's close handshake meanwhile)
// finds it there. It touches none of the reader's state, so it may wait
// while another goroutine reads.
func (r *idleReader) waitReadable() { _ = r.raw.Read(r.peek) }

// peekOnce reports whether the socket has something to read, looking at
// one byte without taking it.
func (r *idleReader) peekOnce(fd uintptr) bool {
	for {
		_, _, err := syscall.Recvfrom(int(fd), r.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
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
// out yet.
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
