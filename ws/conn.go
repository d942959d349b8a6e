package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"duplex.dev/internal/closereason"
)

// errSlowConsumer is returned, under the Disconnect policy, by SendRaw when
// the connection's send queue is full and by Send when it stayed full for
// the write timeout; the connection is being closed with StatusSlowConsumer.
var errSlowConsumer = errors.New("ws: slow consumer: send queue full")

// ErrHeartbeatTimeout is the cause of a handler's context cancellation, and
// the error Receive returns, when the peer did not answer a ping within the
// heartbeat timeout; the connection has been released.
var ErrHeartbeatTimeout = errors.New("ws: peer did not answer ping within the heartbeat timeout")

// errWriteTimeout ends a connection whose peer stopped reading.
var errWriteTimeout = errors.New("ws: write timeout: peer is not reading")

// Conn is one WebSocket stream on the server side. The handler given to
// Server.Handle receives it before the upgrade; the first Send, SendRaw,
// Receive, ReceiveRaw, Close or Upgrade call upgrades the connection.
//
// Send and SendRaw are safe from many goroutines; Receive and ReceiveRaw
// must be called from one goroutine at a time.
type Conn struct {
	id  string
	srv *Server
	ep  *endpoint
	w   http.ResponseWriter
	r   *http.Request // the upgrade request; after the upgrade nil when kept is set
	// kept is what the connection keeps of the request after the upgrade,
	// from which Request builds it (nil: r is a trimmed copy).
	kept *keptRequest
	ip   string
	// plain is set for a GET that is not a WebSocket handshake: Upgrade
	// answers it 426 (see Server.Handle).
	plain    bool
	answered bool        // an HTTP response was written while upgrading (guarded by umu)
	ready    bool        // upgraded: a writer may run (guarded by qmu, as writing)
	writing  bool        // a writer runs: a goroutine, or a writing turn waiting or under way (at most one)
	killed   atomic.Bool // the connection's life ended (kill ran)
	// handoff is closed by a successful upgrade: Handle, waiting in
	// net/http's goroutine, returns then (nil when not served by Handle).
	handoff chan struct{}
	// h is the handler while it runs, hstart when it started, done where
	// it hands Handle its result when it returns before any upgrade.
	h      func(ctx context.Context, c *Conn) error
	hstart time.Time
	done   chan handled

	// ctx is the handler's context; its cause says why it ended.
	ctx    context.Context
	cancel context.CancelCauseFunc

	umu      sync.Mutex // guards the upgrade
	ws       *websocket.Conn
	upErr    error
	failErr  error // Fail called before the upgrade
	upgraded atomic.Bool
	handled  atomic.Bool // the handler returned: no upgrade any more

	// life ends the connection itself: kill cancels it and closes the
	// socket (without a context.AfterFunc registration per connection).
	life    context.Context
	endLife context.CancelCauseFunc
	sock    atomic.Pointer[websocket.Conn] // set by the upgrade, for kill

	qmu      sync.Mutex // guards queue, room, closeReq, ready and writing
	queue    [][]byte
	closeReq *CloseError   // set once: the close the writer sends after its queue
	room     chan struct{} // closed when the writer makes room; made by a waiting Send
	spare    [][]byte      // writer only: the previous batch, reused
	// The write timeout (see beginWrite): wstart is when the write in
	// progress began (monotonic ns, 0 when none), wtimer the timer that
	// watches it (made by the first write), armed while wwatch is set.
	wtimer atomic.Pointer[time.Timer]
	wstart atomic.Int64
	out    corkWriter // under the library's buffered writer: coalesces a batch's flushes

	// The heartbeat is a timer, not a goroutine, so an idle connection
	// costs no stack for it; beats are counted in hbWG until stopped.
	hb   *time.Timer
	hbWG sync.WaitGroup
	// pinged is when the oldest unanswered ping was written (Unix ns), 0
	// when none: a pong clears it.
	pinged    atomic.Int64
	hbMu      sync.Mutex
	hbStopped bool

	// One goroutine at a time reads the socket: the handler itself, inside
	// Receive with its own context, when no reader goroutine runs (an
	// exchange of messages then costs no hand-off between goroutines), or
	// the reader goroutine, which hands data frames to Receive through in.
	// The reader goroutine runs from the upgrade (a handler that only sends
	// still learns that the peer left) until it can hand a frame to a
	// Receive waiting with the handler's context: then that handler reads
	// next. When the handler stays away from Receive for readerGrace, a
	// reader goroutine starts again.
	rmu      sync.Mutex
	rloop    bool        // the reader goroutine runs
	rinline  bool        // the handler reads inside Receive
	rwaiting bool        // a Receive waits on in
	rwaitSeq uint64      // counts the Receive calls that waited on in
	rwait    bool        // and it has the handler's context: the reader goroutine may hand over
	rpending bool        // the reader goroutine is handing over: its last frame is (or goes) in in
	rstop    bool        // the handler returned: no reader goroutine starts any more
	rdone    bool        // reading ended: rerr is set and in is closed
	rarmed   bool        // rtimer is set to fire
	rtimer   *time.Timer // starts the reader goroutine when the handler stays away (made lazily)
	rleft    int64       // when the handler last left Receive with a frame it read itself (monotonic ns)

	in      chan []byte   // frames from the reader goroutine to Receive; closed when reading ended (rerr is set)
	eof     chan struct{} // closed on the client's null frame
	eofSeen atomic.Bool
	// finalCode is the code the connection closed with.
	finalCode atomic.Int32
	rerr      error // written once, before rerrSet
	rerrSet   atomic.Bool
	parked    atomic.Bool // the reader goroutine waits for Receive: pongs are not read
	reply     atomic.Bool // Receive returned a frame and no Send wrote inline since
	busy      atomic.Bool // the writer is writing: pings would queue behind it
	wwatch    atomic.Bool // wtimer is armed
	wexpire   atomic.Bool // a write outlasted the write timeout
	// lastRead is when the last data frame arrived (Unix ns): a peer that
	// sends is alive even if it does not read, and so cannot answer pings
	// (a Goa or gorilla client streaming to the server reads only at the
	// end, and gorilla answers pings only while reading).
	lastRead atomic.Int64

	wg sync.WaitGroup // the reader and the running writer

	limits *limits // message rate limits; nil without any (see ratelimit.go)
}

func newConn(s *Server, e *endpoint, w http.ResponseWriter, r *http.Request, ip string) *Conn {
	// The handler outlives the request's context (Handle returns at the
	// upgrade, and net/http then cancels it): its values stay, its end is
	// the handler's only before the upgrade (Handle watches it).
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(r.Context()))
	life, endLife := context.WithCancelCause(context.Background())
	c := &Conn{
		id:      s.newID(),
		srv:     s,
		ep:      e,
		w:       w,
		r:       r,
		ip:      ip,
		ctx:     ctx,
		cancel:  cancel,
		life:    life,
		endLife: endLife,
		in:      make(chan []byte),
		eof:     make(chan struct{}),
	}
	c.withLimits()
	return c
}

// ID identifies the connection within its server, for logs and for rooms.
func (c *Conn) ID() string { return c.id }

// Subprotocol returns the subprotocol negotiated with the client, "" before
// the upgrade or when none of the server's Subprotocols was asked for.
func (c *Conn) Subprotocol() string {
	if !c.upgraded.Load() {
		return ""
	}
	return c.ws.Subprotocol()
}

// ChosenSubprotocol returns the subprotocol the upgrade chooses, already
// before it: the first of the endpoint's Subprotocols the client asks
// for, "" when none (after the upgrade, what Subprotocol returns).
func (c *Conn) ChosenSubprotocol() string {
	if c.upgraded.Load() {
		return c.ws.Subprotocol()
	}
	r := c.Request()
	for _, name := range c.ep.cfg.Subprotocols {
		if headerHasToken(r.Header, "Sec-WebSocket-Protocol", name) {
			return name
		}
	}
	return ""
}

// Request returns the upgrade request. Read its URL, headers and context
// values; do not read its body or use it after the handler returned. The
// upgrade drops every header but those of keptHeaders (Origin,
// User-Agent, Sec-WebSocket-Protocol, Forwarded, X-Forwarded-For,
// X-Forwarded-Proto, X-Real-Ip, X-Request-Id, Traceparent), so that a
// connection that lives for hours does not keep a large request (or its
// credentials): read any other header before the first Send or Receive,
// as generated code does when it decodes the payload. After the upgrade
// each call returns a new copy, built from what the connection kept.
func (c *Conn) Request() *http.Request {
	c.umu.Lock() // the upgrade replaces r with kept
	r, k := c.r, c.kept
	c.umu.Unlock()
	if k != nil {
		return k.request()
	}
	return r
}

// keptHeaders are the request headers a connection keeps after the
// upgrade: what logs and handlers use to tell who is connected.
var keptHeaders = map[string]bool{
	"Origin": true, "User-Agent": true, "Sec-Websocket-Protocol": true,
	"Forwarded": true, "X-Forwarded-For": true, "X-Forwarded-Proto": true, "X-Real-Ip": true,
	"X-Request-Id": true, "Traceparent": true,
}

// trimHeader deletes from h, the upgrade request's header, every field but
// keptHeaders. It empties the map rather than replacing it: net/http's
// serving goroutine, and any copy of the request a middleware made, hold
// the same map while the handler runs. The values are cleared too:
// net/textproto allocates the value slices of one request from one array,
// which a kept field would otherwise keep alive with every value in it.
func trimHeader(h http.Header) {
	for k, vs := range h {
		if keptHeaders[k] {
			h[k] = append([]string(nil), vs...)
			continue
		}
		clear(vs)
		delete(h, k)
	}
}

// Logger returns the logger the connection's events go to (Config.Logger),
// with the endpoint's service and method: for layers above the connection,
// such as resumable sessions, to log where the server does.
func (c *Conn) Logger() *slog.Logger { return c.ep.log }

// Context returns the handler's context: it is cancelled when the peer
// leaves, the heartbeat fails, the connection is closed or the server shuts
// down; context.Cause tells which.
func (c *Conn) Context() context.Context { return c.ctx }

// QueueLen returns the number of frames waiting for the connection's
// writer; it never exceeds the configured SendQueue.
func (c *Conn) QueueLen() int {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return len(c.queue)
}

// SetUpgradeHeader sets header name of the upgrade's 101 response (Goa's
// goa-view, which names the view of the results). It reports false, and
// does nothing, once the upgrade began or the request was answered.
func (c *Conn) SetUpgradeHeader(name, value string) bool {
	c.umu.Lock()
	defer c.umu.Unlock()
	if c.ws != nil || c.upErr != nil || c.answered || c.handled.Load() {
		return false
	}
	c.w.Header().Set(name, value)
	return true
}

// Upgraded reports whether the WebSocket handshake completed: from then on
// an error ends the stream with a close frame, no longer as HTTP.
func (c *Conn) Upgraded() bool { return c.upgraded.Load() }

// Upgrade completes the WebSocket handshake. It is idempotent, and Send,
// SendRaw, Receive, ReceiveRaw and Close call it implicitly; call it
// yourself to upgrade before the first message. Before the upgrade, a
// handler may still return an error that the caller answers as HTTP.
func (c *Conn) Upgrade() error {
	if c.upgraded.Load() {
		return nil
	}
	c.umu.Lock()
	defer c.umu.Unlock()
	if c.ws != nil {
		return nil
	}
	if c.upErr != nil {
		return c.upErr
	}
	if c.handled.Load() {
		c.upErr = errors.New("ws: upgrade after the handler returned")
		return c.upErr
	}
	c.qmu.Lock()
	refused := c.closeReq
	c.qmu.Unlock()
	if refused != nil {
		// Shutdown began before the upgrade.
		c.answered = true
		c.ep.refuse(c.w, c.r, http.StatusServiceUnavailable, "server shutting down")
		c.upErr = fmt.Errorf("ws: upgrade refused: %w", refused)
		return c.upErr
	}
	if err := c.ctx.Err(); err != nil {
		c.upErr = fmt.Errorf("ws: upgrade: %w", context.Cause(c.ctx))
		return c.upErr
	}
	if c.plain {
		c.answered = true
		status, msg := checkHandshake(c.w, c.r)
		c.ep.refuse(c.w, c.r, status, msg)
		c.upErr = fmt.Errorf("ws: upgrade refused: %s", msg)
		return c.upErr
	}
	rw := c.w
	if hj, ok := hijacker(c.w); ok {
		rw = &corkingResponse{ResponseWriter: c.w, hj: hj, out: &c.out, pinged: &c.pinged, closing: c.ctx.Done()}
	}
	wsc, err := accept(rw, c.r, c.ep.accept)
	c.answered = true
	if err != nil {
		c.upErr = fmt.Errorf("ws: upgrade: %w", err)
		return c.upErr
	}
	wsc.SetReadLimit(-1) // the reader enforces ReadLimit with its own reason
	c.ws = wsc
	c.sock.Store(wsc)
	if c.life.Err() != nil {
		go wsc.CloseNow() // killed during the handshake
	}
	c.srv.opened(c)
	c.ep.metrics.connected()
	c.ep.log.Debug("websocket connected", "id", c.id, "remote", c.ip, "path", c.r.URL.Path, "subprotocol", wsc.Subprotocol())
	trimHeader(c.r.Header)
	if c.kept = keepRequest(c.r); c.kept != nil {
		c.r = nil
	} else {
		c.r = copyRequest(c.r)
	}
	c.w = nil // hijacked: nothing writes to it any more

	// No reader goroutine yet: a handler that waits in Receive within
	// readerGrace (at once when Receive made the upgrade) reads the socket
	// itself, and a silent connection costs it alone, not two goroutines.
	c.rmu.Lock()
	c.graceReader()
	c.rmu.Unlock()
	if c.ep.cfg.HeartbeatInterval > 0 {
		c.hbMu.Lock() // beat reads c.hb under it
		c.hb = time.AfterFunc(c.ep.cfg.HeartbeatInterval, c.beat)
		c.hbMu.Unlock()
	}
	c.qmu.Lock()
	c.ready = true
	start := c.closeReq != nil && c.startWriter() // Shutdown raced the upgrade
	c.qmu.Unlock()
	if start {
		go c.writeLoop()
	}
	c.upgraded.Store(true)
	if c.handoff != nil {
		close(c.handoff)
		c.handoff, c.done = nil, nil // Handle holds them; the connection needs them no more
	}
	return nil
}

// accept runs websocket.Accept in a goroutine of its own and waits for it.
// The handshake needs a deep stack (hijacking, header parsing, hashing);
// run on the handler's goroutine, below the frames of net/http, the
// generated handler and the service method, it grows that goroutine's
// stack from 8 to 16 KB, which a connection then keeps while it idles
// (the garbage collector shrinks a stack only when less than a quarter of
// it is in use). A goroutine that ends after the handshake gives its stack
// back. A panic in the handshake is raised again in the caller's
// goroutine, where the handler's recovery sees it.
func accept(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*websocket.Conn, error) {
	type result struct {
		c      *websocket.Conn
		err    error
		panicv any
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				res.panicv = p
			}
			done <- res
		}()
		res.c, res.err = websocket.Accept(w, r, opts)
	}()
	res := <-done
	if res.panicv != nil {
		panic(res.panicv)
	}
	return res.c, res.err
}

// Receive reads the next text frame and decodes its JSON into v. It returns
// io.EOF when the client ended its side with a JSON null frame or closed
// with 1000. A frame that is not valid JSON for v closes the connection
// with 1007 "invalid JSON: …" (or the validation error, naming the
// attribute, when v's UnmarshalJSON reports one) and Receive returns that
// *CloseError; a
// binary frame closes it with 1003, a frame above the read limit with 1009,
// text that is not valid UTF-8 (RFC 6455 section 8.1) with 1007, and a
// close frame whose reason is not valid UTF-8 is answered with 1002.
func (c *Conn) Receive(ctx context.Context, v any) error {
	c.awaitReadable(ctx)
	b, err := c.receiveRaw(ctx)
	if err != nil {
		return err
	}
	if err := decode(b, v); err != nil {
		ce := decodeError(err)
		c.closeWith(ce.Code, ce.Reason, false)
		return ce
	}
	return nil
}

// awaitReadable waits, when the handler is about to read the socket itself
// and nothing is buffered, until the socket is readable. An idle handler
// then waits here, a few frames below Receive, rather than deep inside the
// library's frame reader: with the handler on a goroutine of its own (see
// Server.Handle), its stack is then shallow enough for the garbage
// collector to halve it (8 to 4 KB) while the connection idles. What came
// is read into the idleReader, for ReceiveRaw's read; pongs are dropped
// there and the wait goes on (idleReader.awaitInput).
func (c *Conn) awaitReadable(ctx context.Context) {
	ir := c.out.idle
	// Once the connection is closing (its context ends first), the
	// library's close handshake reads the socket's buffer itself: leave it.
	if ir == nil || !c.upgraded.Load() || c.eofSeen.Load() || c.ctx.Err() != nil || !c.ownContext(ctx) {
		return
	}
	c.rmu.Lock()
	if c.rloop || c.rpending || c.rdone || c.rinline || c.out.rbuf.Buffered() > 0 {
		c.rmu.Unlock()
		return
	}
	c.rinline = true // the reader goroutine must not start meanwhile
	c.rmu.Unlock()
	ir.awaitInput()
	c.rmu.Lock()
	c.rinline = false
	c.rmu.Unlock()
}

// ReceiveRaw is Receive without the decoding: it returns the next text
// frame as is (the caller owns it), valid UTF-8.
//
// Generated code reads through it, so it waits for the socket as Receive
// does (awaitReadable), in a frame of its own that holds nothing: the
// idle handler's stack is then what lies above ReceiveRaw plus a few
// frames of the poller's.
func (c *Conn) ReceiveRaw(ctx context.Context) ([]byte, error) {
	c.awaitReadable(ctx)
	return c.receiveRaw(ctx)
}

// receiveRaw is ReceiveRaw once the socket is readable (or the wait does
// not apply).
func (c *Conn) receiveRaw(ctx context.Context) ([]byte, error) {
	if err := c.Upgrade(); err != nil {
		return nil, err
	}
	if c.eofSeen.Load() {
		return nil, io.EOF
	}
	own := c.ownContext(ctx)
	if own && c.ctx.Err() != nil {
		return nil, c.endErr()
	}
	c.rmu.Lock()
	if own && !c.rloop && !c.rpending && !c.rdone {
		c.rinline = true
		c.rmu.Unlock()
		b, err := c.readInline()
		c.rmu.Lock()
		c.rinline = false
		c.graceReader()
		c.rmu.Unlock()
		return c.received(b, err)
	}
	if !c.rloop && !c.rpending && !c.rdone {
		c.startReader() // a context of its own: the reader goroutine reads meanwhile
	}
	c.rwaiting, c.rwait = true, own
	c.rwaitSeq++
	c.rmu.Unlock()
	b, err := c.awaitFrame(ctx)
	c.rmu.Lock()
	c.rwaiting, c.rwait = false, false
	if err == nil && own {
		c.graceReader()
	}
	c.rmu.Unlock()
	return c.received(b, err)
}

// received ends a ReceiveRaw that read b or failed with err: a frame
// lets the next Send answer it inline and counts against the message
// rate (admitFrame).
func (c *Conn) received(b []byte, err error) ([]byte, error) {
	c.reply.Store(err == nil)
	if err != nil {
		return nil, err
	}
	if err := c.admitFrame(); err != nil {
		return nil, err
	}
	return b, nil
}

// awaitFrame waits for the reader goroutine's next frame.
func (c *Conn) awaitFrame(ctx context.Context) ([]byte, error) {
	// A goroutine parked in a select holds one sudog per channel: an idle
	// connection's handler waits on as few channels as possible.
	done := ctx.Done()
	if done == c.ctx.Done() {
		done = nil // the handler's own context: already a case
	}
	select {
	case b, ok := <-c.in:
		if !ok {
			return nil, c.rerr // reading ended
		}
		return b, nil
	case <-c.eof:
		return nil, io.EOF
	case <-c.ctx.Done():
		return nil, c.endErr()
	case <-done:
		if c.ctx.Err() != nil {
			return nil, c.endErr()
		}
		return nil, ctx.Err()
	}
}

// readerGrace is how long the handler may stay away from Receive, after
// reading a frame itself, before a reader goroutine takes over reading (so
// that control frames, and the peer leaving, are seen meanwhile).
const readerGrace = 20 * time.Millisecond

// graceReader notes that the handler left Receive with the turn to read,
// and makes sure the timer that starts the reader goroutine, unless the
// handler is back in Receive by then, is set; c.rmu is held. The timer is
// not moved for every frame: when it fires early it sets itself again.
func (c *Conn) graceReader() {
	if c.rloop || c.rdone || c.rstop {
		return
	}
	c.rleft = monotonic()
	if c.rarmed {
		return
	}
	c.rarmed = true
	if c.rtimer == nil {
		c.rtimer = time.AfterFunc(readerGrace, c.wakeReader)
		return
	}
	c.rtimer.Reset(readerGrace)
}

// inputWaiting reports whether frames that nobody has read yet wait in
// the connection's read buffer. It looks only while nobody reads (the
// buffer is the reader's), and answers false otherwise; the caller holds
// the writing turn, so no close handshake reads the buffer either.
func (c *Conn) inputWaiting() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rloop || c.rinline || c.out.rbuf == nil {
		return false
	}
	return c.out.rbuf.Buffered() > 0 || c.out.idle != nil && c.out.idle.buffered() > 0
}

// wakeReader starts the reader goroutine when nobody reads and the handler
// has been away from Receive for readerGrace.
func (c *Conn) wakeReader() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rarmed = false
	if c.rinline || c.rpending || c.rloop || c.rdone || c.rstop {
		return // reading, or the reader goroutine's turn: graceReader sets the timer again
	}
	if away := time.Duration(monotonic() - c.rleft); away < readerGrace {
		c.rarmed = true
		c.rtimer.Reset(readerGrace - away)
		return
	}
	c.startReader()
}

// startReader starts the reader goroutine unless one runs or reading
// ended; c.rmu is held.
func (c *Conn) startReader() {
	if c.rloop || c.rdone || c.rstop || c.life.Err() != nil {
		return
	}
	c.rloop = true
	c.wg.Add(1)
	go c.readLoop()
}

// stopReaders keeps reader goroutines from starting, once the handler
// returned, so that the connection's goroutines can be waited for.
func (c *Conn) stopReaders() {
	c.rmu.Lock()
	c.rstop = true
	if c.rtimer != nil {
		c.rtimer.Stop()
	}
	c.rmu.Unlock()
}

// readInline reads the next data frame in the handler's goroutine.
func (c *Conn) readInline() ([]byte, error) {
	for {
		b, err := c.readData()
		if err != nil {
			c.endRead(err)
			if c.rerrSet.Load() {
				return nil, c.rerr
			}
			return nil, err
		}
		if c.eofSeen.Load() {
			continue // the client ended its side: nothing more is expected
		}
		if isNull(b) {
			c.eofSeen.Store(true)
			close(c.eof)
			return nil, io.EOF
		}
		return b, nil
	}
}

// endErr says why the stream ended: what stopped the reader, else why the
// handler's context was cancelled.
func (c *Conn) endErr() error {
	if c.rerrSet.Load() {
		return c.rerr
	}
	return context.Cause(c.ctx)
}

// Send encodes v as JSON and queues it as one text frame, for the single
// producer of a stream (a handler sending its results). It applies
// back-pressure: when the send queue is full it waits for the writer to
// make room, so a handler that produces faster than the peer reads is
// slowed down to the peer's pace instead of being disconnected. The wait
// ends when ctx ends (Send returns ctx's error and the connection stays
// open), when the connection closes (an error wrapping the reason), or
// after the write timeout: then the peer counts as a slow consumer and the
// SlowConsumer policy applies as in SendRaw (Disconnect: close 4000 and
// errSlowConsumer; DropOldest: the oldest queued frame makes room).
// Send is safe from many goroutines; the frames of one goroutine keep their
// order. The first Send after Receive returned a frame, with the handler's
// own context, writes in the caller's goroutine when nothing else is
// queued or waiting to be read (a request answered costs no hand-off to
// the writer goroutine); it then returns once the frame is written. With a
// write delay (Config.WriteDelay) every frame is queued.
func (c *Conn) Send(ctx context.Context, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("ws: encode message: %w", err)
	}
	if c.ownContext(ctx) {
		if done, err := c.writeInline(b); done {
			return err
		}
	}
	return c.enqueue(ctx, b, true)
}

// ownContext reports whether ctx ends only when the connection does (the
// handler's context, one derived from it with values only, or one that
// never ends): a Send with such a context may write in the caller's
// goroutine, since there is no earlier end its wait would have to honour.
func (c *Conn) ownContext(ctx context.Context) bool {
	done := ctx.Done()
	return done == nil || done == c.ctx.Done()
}

// writeInline writes frame in the caller's goroutine when it answers the
// frame Receive returned last (the first Send after it), nothing is queued
// and no writer runs: the frame is on the wire when it returns, and an
// exchange of one message each way costs no goroutine hand-off. It reports
// false, having done nothing, when the frame must be queued instead: the
// frames of a burst after the first one, and every frame while more input
// waits, go to the writer goroutine, which writes them together. Frames
// queued meanwhile by other goroutines, or a close requested meanwhile,
// are left to a writer goroutine.
func (c *Conn) writeInline(frame []byte) (bool, error) {
	if c.ep.cfg.WriteDelay > 0 || !c.upgraded.Load() || !c.reply.CompareAndSwap(true, false) {
		return false, nil
	}
	c.qmu.Lock()
	if !c.ready || c.writing || len(c.queue) > 0 || c.closeReq != nil || c.life.Err() != nil {
		c.qmu.Unlock()
		return false, nil
	}
	c.writing = true // the writing turn: no close handshake reads the socket meanwhile
	c.qmu.Unlock()
	if c.inputWaiting() {
		// More frames have arrived: their answers will follow this one, and
		// a writer goroutine writes them together.
		c.passWritingTurn()
		return false, nil
	}
	one := [1][]byte{frame}
	if err := c.writeBatch(one[:]); err != nil {
		if !c.closing() {
			c.ep.log.Debug("websocket write failed", "id", c.id, "error", err.Error())
		}
		c.abort(fmt.Errorf("ws: write: %w", err), StatusAbnormal)
		c.discardQueue()
		return true, fmt.Errorf("ws: send: %w", context.Cause(c.ctx))
	}
	c.passWritingTurn()
	return true, nil
}

// passWritingTurn ends a writing turn taken outside the writer goroutine:
// frames queued meanwhile by other goroutines, or a close requested
// meanwhile, go to a writer goroutine.
func (c *Conn) passWritingTurn() {
	c.qmu.Lock()
	more := len(c.queue) > 0 || c.closeReq != nil
	if more {
		c.wg.Add(1) // the turn passes to a writer goroutine
	} else {
		c.writing = false
	}
	c.qmu.Unlock()
	if more {
		go c.writeLoop()
	}
}

// SendRaw queues frame, a pre-encoded JSON document, as one text frame and
// returns without waiting, ever: it is meant for fan-out (a hub broadcast
// queues the same frame for every member) where one slow member must not
// hold up the others. The frame may be shared by many connections: it is
// never modified. When the queue is full, the SlowConsumer policy applies
// at once: Disconnect closes the connection with 4000 "slow consumer: …"
// and returns errSlowConsumer; DropOldest drops the oldest queued frame,
// counts it, and returns nil. A single producer that wants back-pressure
// instead uses Send. Sending on a closed connection returns an error
// wrapping the reason it closed. The frames SendRaw queues are written by
// a few goroutines that serve the connections in turn (no goroutine per
// connection and frame); the frames a connection has queued when its turn
// comes go out in one write.
func (c *Conn) SendRaw(frame []byte) error {
	return c.enqueue(context.Background(), frame, false)
}

// enqueue queues frame. When the queue is full and wait is set, it waits
// for room until ctx ends or the write timeout passes, then applies the
// slow-consumer policy; without wait it applies the policy at once.
func (c *Conn) enqueue(ctx context.Context, frame []byte, wait bool) error {
	if !c.upgraded.Load() {
		if err := c.Upgrade(); err != nil {
			return err
		}
	}
	var deadline *time.Timer // created on the first wait only
	defer func() {
		if deadline != nil {
			deadline.Stop()
		}
	}()
	expired := false
	c.qmu.Lock()
	for {
		if c.closeReq != nil || c.life.Err() != nil {
			c.qmu.Unlock()
			return fmt.Errorf("ws: send on closed connection: %w", context.Cause(c.ctx))
		}
		n := c.ep.cfg.SendQueue
		if len(c.queue) < n {
			break
		}
		if wait && !expired {
			if c.room == nil {
				c.room = make(chan struct{})
			}
			room := c.room
			c.qmu.Unlock()
			if deadline == nil {
				deadline = time.NewTimer(c.ep.cfg.WriteTimeout)
			}
			select {
			case <-room:
			case <-deadline.C:
				expired = true
			case <-c.life.Done():
			case <-ctx.Done():
				return fmt.Errorf("ws: send: waiting for room in the send queue: %w", ctx.Err())
			}
			c.qmu.Lock()
			continue
		}
		if c.ep.cfg.SlowConsumer != DropOldest {
			c.qmu.Unlock()
			c.ep.log.Info("websocket slow consumer disconnected", "id", c.id, "queue", n)
			c.closeWith(StatusSlowConsumer, fmt.Sprintf("slow consumer: send queue full (%d messages)", n), false)
			return errSlowConsumer
		}
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.ep.metrics.dropped()
		c.ep.metrics.queued(-1)
		break
	}
	c.queue = append(c.queue, frame)
	start := c.startWriter()
	c.qmu.Unlock()
	c.ep.metrics.queued(1)
	switch {
	case !start:
	case !wait && c.out.direct:
		turns.add(c) // fan-out: a writing turn, not a goroutine (see writeTurn)
	default:
		go c.writeLoop()
	}
	return nil
}

// startWriter reports whether the caller must start a writer goroutine,
// and counts it; c.qmu is held. Writers run only while there is something
// to write, so an idle connection has none.
func (c *Conn) startWriter() bool {
	if !c.ready || c.writing {
		return false
	}
	c.writing = true
	c.wg.Add(1)
	return true
}

// Close sends the queued frames (bounded by the write timeout), then a
// close frame with code and reason (truncated to 123 bytes), and returns
// once the close handshake is over. Later calls do nothing.
func (c *Conn) Close(code StatusCode, reason string) error {
	if err := c.Upgrade(); err != nil {
		return err
	}
	c.closeWith(code, reason, true)
	<-c.life.Done() // the writer ends the connection after the handshake
	return nil
}

// Fail ends the stream because of err. Before the upgrade it only records
// err: Handle returns it so the caller answers with an HTTP error. After
// the upgrade the connection is closed, once queued frames are sent, with
// the code err carries (a *CloseError in its chain), else the close code
// of duplex.CodeOf(err) with err's text as the reason (1007 for invalid
// input, the text naming the attribute), but 1011 "internal error" for
// CodeInternal (the detail is logged, not sent).
func (c *Conn) Fail(err error) {
	if err == nil {
		err = errors.New("ws: Fail called with a nil error")
	}
	if !c.upgraded.Load() {
		c.umu.Lock()
		if c.ws == nil {
			if c.failErr == nil {
				c.failErr = err
			}
			c.umu.Unlock()
			c.cancel(err)
			return
		}
		c.umu.Unlock()
	}
	code, reason := failStatus(err)
	if code == StatusInternalError && !c.closing() {
		c.ep.log.Warn("stream handler failed", "id", c.id, "error", err.Error())
	}
	var ce *CloseError
	bad := errors.As(err, &ce) && ce.input // Decode's answer to a bad frame: what is queued is dropped
	c.closeWith(code, reason, !bad)
}

// failStatus maps a handler's error to the close code and reason sent
// (closereason.Of; 1011 "internal error" for an error without a code).
func failStatus(err error) (StatusCode, string) {
	if code, reason, ok := closereason.Of(err); ok {
		return StatusCode(code), reason
	}
	return StatusInternalError, "internal error"
}

// wakeSenders wakes the Send calls waiting for room; c.qmu is held.
func (c *Conn) wakeSenders() {
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
}

// closing reports whether a close was requested or the connection died.
func (c *Conn) closing() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.closeReq != nil || c.life.Err() != nil
}

// closeWith asks the writer to send a close frame with code and reason,
// after the queued frames when flush is set, else instead of them. The
// handler's context is cancelled at once. Only the first call counts.
func (c *Conn) closeWith(code StatusCode, reason string, flush bool) {
	ce := &CloseError{Code: code, Reason: closereason.Truncate(reason)}
	c.qmu.Lock()
	if c.closeReq != nil || c.life.Err() != nil {
		c.qmu.Unlock()
		return // already closing, or dead: no close frame to send
	}
	c.closeReq = ce
	c.wakeSenders()
	if !flush && len(c.queue) > 0 {
		n := len(c.queue)
		clear(c.queue)
		c.queue = c.queue[:0]
		c.ep.metrics.queued(-n)
	}
	start := c.startWriter()
	c.qmu.Unlock()
	c.finalCode.CompareAndSwap(0, int32(code))
	c.cancel(ce)
	if start {
		go c.writeLoop()
	}
}

// refuse closes the connection because of bad input, dropping what is
// queued, and returns the error the reader or Receive reports.
func (c *Conn) refuse(code StatusCode, reason string) error {
	c.closeWith(code, reason, false)
	return &CloseError{Code: code, Reason: closereason.Truncate(reason)}
}

// kill ends the connection's life with cause and closes its socket, in
// another goroutine: the caller may hold one of the library's locks that
// closing waits for. Only the first call counts.
func (c *Conn) kill(cause error) {
	if !c.killed.CompareAndSwap(false, true) {
		return
	}
	c.endLife(cause)
	if wsc := c.sock.Load(); wsc != nil {
		go wsc.CloseNow()
	}
}

// abort ends the connection without a close handshake: the peer is gone,
// dead or not reading. The connection's life ends before the handler's
// context: a handler that wakes up and returns finds it dead, and its
// return does not send a close frame to the peer after all. The context
// ends with the life's cause: when two aborts race (the write timeout, then
// the write it interrupts failing), the first one is the reason.
func (c *Conn) abort(cause error, code StatusCode) {
	c.finalCode.CompareAndSwap(0, int32(code))
	c.kill(cause)
	c.cancel(context.Cause(c.life))
}

// readLoop reads frames in its own goroutine, so that pings, pongs and
// close frames are handled whether or not the handler is receiving, and
// hands data frames to Receive. It ends when it hands a frame to a Receive
// waiting with the handler's context: that handler reads next.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	for {
		b, err := c.readData()
		if err != nil {
			c.endRead(err)
			return
		}
		if c.eofSeen.Load() {
			continue // the client ended its side: nothing more is expected
		}
		if isNull(b) {
			c.eofSeen.Store(true)
			close(c.eof)
			continue
		}
		c.rmu.Lock()
		handover := c.rwait && !c.rstop
		to := c.rwaitSeq // the Receive it is handed to
		if handover {
			c.rloop = false
			c.rpending = true
		}
		c.rmu.Unlock()
		c.parked.Store(true)
		select {
		case c.in <- b:
			c.parked.Store(false)
			if handover && c.handedOver(to) {
				return
			}
		case <-c.life.Done():
			c.parked.Store(false)
			c.endRead(context.Cause(c.life))
			return
		}
	}
}

// handedOver ends a hand-over once its frame was taken: the reader
// goroutine stops and the handler reads next, unless a later Receive than
// the one it was handed to (to) already waits for the reader goroutine's
// next frame (it came while the hand-over was pending): then the reader
// goroutine goes on. (The Receive that took the frame may not have
// noted yet that it no longer waits.)
func (c *Conn) handedOver(to uint64) bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rpending = false
	if c.rwaiting && c.rwaitSeq != to && !c.rstop {
		c.rloop = true
		return false
	}
	c.graceReader()
	return true
}

// readData reads the next data frame, refusing a binary frame, one above
// the read limit and one that is not valid UTF-8.
func (c *Conn) readData() ([]byte, error) {
	typ, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, c.refuse(StatusUnsupportedData, reasonBinary)
	}
	limit := c.ep.cfg.ReadLimit
	b, err := readFrame(r, limit)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, c.refuse(StatusMessageTooBig, reasonTooBig(limit))
	}
	if !utf8.Valid(b) {
		// RFC 6455 section 8.1; the library leaves it to us. Checked on the
		// whole message, so a fragmented one is judged once it is complete.
		return nil, c.refuse(StatusInvalidPayload, errInvalidUTF8)
	}
	c.ep.metrics.in(len(b))
	if c.ep.cfg.HeartbeatInterval > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	return b, nil
}

// endRead records why reading stopped and, when the peer left or the
// connection broke, releases the connection. The reason is published
// before the handler's context is cancelled, so that Receive reports it.
func (c *Conn) endRead(err error) {
	c.rmu.Lock()
	if c.rdone {
		c.rmu.Unlock()
		return // one reader at a time: only the first end counts
	}
	c.rdone = true
	c.rloop = false
	c.rmu.Unlock()
	defer close(c.in)
	var ce *CloseError
	switch {
	case errors.As(err, &ce):
		c.setReadErr(ce) // refused by this side; the writer closes
	case websocket.CloseStatus(err) != -1:
		var wce websocket.CloseError
		errors.As(err, &wce)
		peer := &CloseError{Code: StatusCode(wce.Code), Reason: wce.Reason}
		if peer.Code == StatusNormalClosure {
			c.setReadErr(io.EOF)
		} else {
			c.setReadErr(peer)
		}
		c.abort(peer, peer.Code)
	default:
		c.qmu.Lock()
		req := c.closeReq
		c.qmu.Unlock()
		switch {
		case req != nil:
			c.setReadErr(req)
		case c.life.Err() != nil:
			c.setReadErr(context.Cause(c.life))
			c.cancel(context.Cause(c.life)) // what ended it may not have cancelled yet (abort)
		default:
			lost := fmt.Errorf("ws: connection lost: %w", err)
			c.setReadErr(lost)
			c.abort(lost, StatusAbnormal)
		}
	}
}

func (c *Conn) setReadErr(err error) {
	c.rerr = err
	c.rerrSet.Store(true)
}

// readBuffers are reused to read frames of unknown size; each frame is then
// copied once, at its exact size, for Receive.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// readFrame reads one message, at most limit+1 bytes of it so the caller
// can tell a frame above the limit. (It reads into the pooled buffer
// itself, as bytes.Buffer.ReadFrom over an io.LimitReader would, without
// the LimitReader's allocation per frame.)
func readFrame(r io.Reader, limit int64) ([]byte, error) {
	bp := readBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	defer func() {
		if cap(b) <= 64<<10 {
			*bp = b[:0]
			readBuffers.Put(bp)
		}
	}()
	for int64(len(b)) <= limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		room := b[len(b):cap(b)]
		if left := limit + 1 - int64(len(b)); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Read(room)
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return bytes.Clone(b), nil
}

// isNull reports whether frame is the JSON null a client ends its side
// with.
func isNull(frame []byte) bool {
	return len(frame) < 16 && string(bytes.TrimSpace(frame)) == "null"
}
