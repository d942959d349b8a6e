package ws

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// corkWriter sits between coder/websocket's buffered writer and the
// socket. Normally it passes writes through; while corked (the writer
// goroutine writes a batch of queued frames) it collects them, so that the
// library's flush after each message does not cost a system call and a TCP
// segment each, and uncork writes the batch at once. Framing stays the
// library's: only the bytes it flushes are held back.
type corkWriter struct {
	mu     sync.Mutex // the library writes under its own lock; this orders those writes with uncork
	conn   net.Conn
	corked bool
	// now: the batch being collected is written by uncorkNow, which never
	// waits; nothing is written to the socket before (see Conn.writeTurn).
	now bool
	// direct: the socket can be written without waiting (writeNow); set
	// once by the hijack. Without, every batch has a writer goroutine.
	direct bool
	// blocked is set while a write that may wait for the peer is under
	// way (a ping, a pong, a batch of the writer goroutine).
	blocked atomic.Bool
	// buf is from corkBuffers while corked; outside a batch it holds the
	// bytes uncorkNow could not write yet, which go out before anything
	// else (nil when there are none).
	buf *[]byte

	// rbuf is the hijacked connection's read buffer, which the library
	// reads frames from; set once by the hijack. Only the goroutine whose
	// turn it is to read may look at it (see Conn.inputWaiting).
	rbuf *bufio.Reader
	// idle is the reader under rbuf that holds a buffer only while there
	// are unread bytes (nil where the platform or connection has none).
	idle *idleReader
}

// writeBufferSize is the size of the library's buffered writer on the
// server side (see corkingResponse.Hijack), which a connection holds for
// its whole life: the largest control frame (a ping, pong or close frame:
// 2 bytes of header, at most 125 of payload), so that the library's own
// frames still go out in one write. The connection's data frames are
// written corked (Conn.writeBatch): what the library flushes of them is
// collected below it and written at once.
const writeBufferSize = 128

// corkLimit bounds what a corked writer holds: past it the collected bytes
// are written out, and larger writes go straight to the socket.
const corkLimit = 64 << 10

var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// cork starts collecting writes; it reports false when there is no socket
// to cork (the connection was not hijacked through corkingResponse).
func (w *corkWriter) cork() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		return false
	}
	w.corked = true
	return true
}

// corkNow starts collecting a batch that uncorkNow writes without waiting;
// it reports false, having done nothing, when the socket has no such
// write, bytes are still waiting to be written, or a write that may wait
// is under way (its caller holds the lock the batch would wait for).
func (w *corkWriter) corkNow() bool {
	if !w.direct || w.blocked.Load() || !w.mu.TryLock() {
		return false
	}
	defer w.mu.Unlock()
	if w.buf != nil {
		return false
	}
	w.corked, w.now = true, true
	return true
}

// uncork ends collecting and, when write is set, writes what was collected.
func (w *corkWriter) uncork(write bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.corked, w.now = false, false
	var err error
	if write {
		err = w.flushLocked()
	}
	w.release()
	return err
}

// uncorkNow ends a batch started by corkNow and writes it without waiting:
// what the socket does not take at once stays in the buffer, and rest
// reports that a writer that may wait must write it (flushRest) before
// anything else goes out.
func (w *corkWriter) uncorkNow() (rest bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.corked, w.now = false, false
	if w.buf == nil {
		return false, nil
	}
	b := *w.buf
	n, err := writeNow(w.conn, b)
	if err != nil {
		w.release()
		return false, fmt.Errorf("ws: write batch: %w", err)
	}
	if n == len(b) {
		w.release()
		return false, nil
	}
	*w.buf = b[:copy(b, b[n:])]
	return true, nil
}

// hasRest reports whether bytes uncorkNow left wait to be written.
func (w *corkWriter) hasRest() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf != nil && !w.corked
}

// flushRest writes, waiting as long as it takes, the bytes uncorkNow left.
func (w *corkWriter) flushRest() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.corked {
		return nil // written with the batch being collected
	}
	err := w.flushLocked()
	w.release()
	return err
}

func (w *corkWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.now {
		// Collected only: uncorkNow writes it. Conn.writeTurn keeps the
		// batch under corkLimit.
		if w.buf == nil {
			w.buf = corkBuffers.Get().(*[]byte)
		}
		*w.buf = append(*w.buf, p...)
		return len(p), nil
	}
	if !w.corked {
		if w.buf != nil {
			// What uncorkNow left goes first.
			if err := w.flushLocked(); err != nil {
				return 0, err
			}
			w.release()
		}
		w.blocked.Store(true)
		defer w.blocked.Store(false)
		return w.conn.Write(p)
	}
	big := len(p) >= corkLimit/2 // not worth a copy: written as is, after what was collected
	if w.buf != nil && (big || len(*w.buf)+len(p) > corkLimit) {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
	}
	if big {
		w.blocked.Store(true)
		defer w.blocked.Store(false)
		return w.conn.Write(p)
	}
	if w.buf == nil {
		w.buf = corkBuffers.Get().(*[]byte)
	}
	*w.buf = append(*w.buf, p...)
	return len(p), nil
}

// flushLocked writes what was collected; w.mu is held.
func (w *corkWriter) flushLocked() error {
	if w.buf == nil || len(*w.buf) == 0 {
		return nil
	}
	w.blocked.Store(true)
	defer w.blocked.Store(false)
	_, err := w.conn.Write(*w.buf)
	*w.buf = (*w.buf)[:0]
	if err != nil {
		return fmt.Errorf("ws: write batch: %w", err)
	}
	return nil
}

// release returns the collecting buffer to the pool; w.mu is held.
func (w *corkWriter) release() {
	if w.buf == nil {
		return
	}
	if cap(*w.buf) <= 2*corkLimit {
		*w.buf = (*w.buf)[:0]
		corkBuffers.Put(w.buf)
	}
	w.buf = nil
}

// corkingResponse is the ResponseWriter coder/websocket's Accept sees: its
// Hijack points the library's buffered writer at the connection's
// corkWriter instead of at the socket.
type corkingResponse struct {
	http.ResponseWriter
	hj  http.Hijacker
	out *corkWriter
	// pinged is the connection's unanswered ping, which a pong clears (see
	// closeReasonCheck and idleReader); closing, the handler's context's
	// done channel, tells the idleReader the connection is closing.
	pinged  *atomic.Int64
	closing <-chan struct{}
}

func (r *corkingResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := r.hj.Hijack()
	if err != nil {
		return nc, brw, err
	}
	if err := brw.Writer.Flush(); err != nil {
		return nc, brw, fmt.Errorf("ws: flush handshake: %w", err)
	}
	rc, idle := swapReadBuffer(nc, brw.Reader)
	if idle != nil {
		idle.pinged, idle.closing = r.pinged, r.closing
	}
	rc = checkCloseReasons(rc, brw.Reader, r.pinged)
	r.out.mu.Lock()
	r.out.conn = nc
	r.out.direct = canWriteNow(nc)
	r.out.rbuf = brw.Reader
	r.out.idle = idle
	r.out.mu.Unlock()
	// The library writes a frame's header and payload through this buffer
	// and flushes it after every message; the connection's batches are
	// collected by the corkWriter below it (writeBatch corks every one), so
	// a small buffer costs no extra system call, and spares an idle
	// connection net/http's 4 KB one, which net/http's connection (not used
	// after the hijack) keeps a pointer to while the handler runs: its
	// contents are replaced.
	*brw.Writer = *bufio.NewWriterSize(r.out, writeBufferSize)
	return rc, brw, nil
}

// WriteHeaderNow forwards to the wrapped ResponseWriter when it has the
// method (gin's does): coder/websocket calls it to send the handshake
// response before hijacking.
func (r *corkingResponse) WriteHeaderNow() {
	if w, ok := r.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		w.WriteHeaderNow()
	}
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (r *corkingResponse) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// hijacker finds the Hijacker of w, following Unwrap as
// http.ResponseController and coder/websocket do.
func hijacker(w http.ResponseWriter) (http.Hijacker, bool) {
	for {
		switch t := w.(type) {
		case http.Hijacker:
			return t, true
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil, false
		}
	}
}
