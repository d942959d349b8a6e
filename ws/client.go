package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/internal/closereason"
	"duplex.dev/internal/defaults"
)

// maxHTTPErrorBody bounds the server text kept in an HTTPError.
const maxHTTPErrorBody = 1024

// State is a client connection's life-cycle state, reported to
// DialConfig.StateFunc (for UIs showing "connecting…", "reconnecting…").
type State int

// Client connection states.
const (
	// Connecting: the first handshake is in progress.
	Connecting State = iota
	// Connected: the handshake succeeded; frames flow.
	Connected
	// Reconnecting: a handshake or connection failed with a retryable error
	// and the client waits for its backoff delay before dialling again.
	Reconnecting
	// Closed: the connection ended (either side closed it, it dropped, or
	// dialling gave up).
	Closed
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// DialConfig configures Dial, DialWithRetry and Reconnect; a zero field
// means the default, the server's (DefaultConfig) where both sides have
// the setting.
type DialConfig struct {
	// Header is added to the handshake request (for example
	// Authorization).
	Header http.Header
	// HTTPClient performs the handshake instead of http.DefaultClient (for
	// custom TLS, proxies or a handshake timeout via its Timeout). Its
	// Transport must support protocol upgrades, as *http.Transport does.
	HTTPClient *http.Client
	// Subprotocols are asked of the server, in order of preference, with
	// Sec-WebSocket-Protocol; ClientConn.Subprotocol reports the one the
	// server chose ("" if none).
	Subprotocols []string
	// ReadLimit is the largest frame the client accepts; a larger frame
	// closes the connection with 1009. Default 1 MiB.
	ReadLimit int64
	// SendQueue is how many frames Send may queue ahead of the
	// connection's writer (when it is full, Send waits for room or for its
	// context to end), and ReceiveQueue how many frames the connection
	// reads ahead of Receive (when it is full, the connection stops reading
	// until Receive takes a frame). Defaults 256 and 16.
	SendQueue, ReceiveQueue int
	// Compression asks the server for permessage-deflate without context
	// takeover. The server decides; an uncompressed connection works the
	// same.
	Compression bool
	// Retry is the backoff policy DialWithRetry and Reconnect follow
	// (default DefaultRetryPolicy). When it is set, Dial retries with it
	// too: a dial (as a generated client's) is retried while it fails for
	// a reason retrying can fix (connection refused, 429, 502, 503, 504;
	// see Retryable). Only the dial is retried: once the stream is open, a
	// drop ends it (Reconnect or a resumable method reconnects).
	// MaxAttempts 1 dials once.
	Retry *RetryPolicy
	// StateFunc is called on every state change: Connecting, Connected,
	// Reconnecting, Closed. It runs synchronously on the goroutine that saw
	// the change (possibly the connection's reader): it must return
	// quickly and must not call ClientConn.Close.
	StateFunc func(State)
	// Hosts names other servers of the same service (host or host:port),
	// tried in turn after the URL's own: DialWithRetry and Reconnect move
	// to the next after each failed dial (a dropped connection is dialled
	// again where it was first), and so does a resumable stream's first
	// dial (its resumes stay with the server that holds the session).
	Hosts []string

	hooks retryHooks // tests only (export_test.go)
}

// dialConfig is a DialConfig with its defaults filled in.
type dialConfig struct {
	header       http.Header
	httpClient   *http.Client
	subprotocols []string
	readLimit    int64
	sendQueue    int // frames Send may queue ahead of the writer
	receiveQueue int // frames read ahead of Receive
	compression  bool
	retry        RetryPolicy
	retrySet     bool // Retry was given: Dial retries too
	stateFunc    func(State)
	hooks        retryHooks
	hosts        []string
}

func newDialConfig(c DialConfig) *dialConfig {
	cfg := &dialConfig{header: c.Header, httpClient: c.HTTPClient, subprotocols: c.Subprotocols,
		readLimit: defaults.ReadLimit, sendQueue: defaults.SendQueue, receiveQueue: defaults.ReceiveQueue,
		compression: c.Compression, retry: DefaultRetryPolicy, stateFunc: c.StateFunc, hooks: c.hooks, hosts: c.Hosts}
	if c.ReadLimit != 0 {
		cfg.readLimit = c.ReadLimit
	}
	if c.SendQueue > 0 {
		cfg.sendQueue = c.SendQueue
	}
	if c.ReceiveQueue > 0 {
		cfg.receiveQueue = c.ReceiveQueue
	}
	if c.Retry != nil {
		cfg.retry, cfg.retrySet = *c.Retry, true
	}
	return cfg
}

func (cfg *dialConfig) setState(s State) {
	if cfg.stateFunc != nil {
		cfg.stateFunc(s)
	}
}

// HTTPError is the error Dial returns when the server answered the
// handshake with an HTTP response instead of upgrading (for example 401
// for a missing token, 429 or 503 when overloaded).
type HTTPError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Body is the start of the response body (at most 1 KiB), the server's
	// explanation.
	Body string
	// Header is the response's header (for example Retry-After).
	Header http.Header
}

// As sets a **duplex.Error target to the error the response stands for:
// the code of its status (duplex.CodeForStatus), and the name and message
// of a Goa error body (else the body as the message).
func (e *HTTPError) As(target any) bool {
	t, ok := target.(**duplex.Error)
	if !ok {
		return false
	}
	var body struct{ Name, Message string }
	if json.Unmarshal([]byte(e.Body), &body) != nil || body.Message == "" {
		body.Message = strings.TrimSpace(e.Body)
	}
	if body.Message == "" {
		body.Message = http.StatusText(e.StatusCode)
	}
	*t = &duplex.Error{Code: duplex.CodeForStatus(e.StatusCode), Name: body.Name, Message: body.Message}
	return true
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("websocket handshake refused: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if body := strings.TrimSpace(e.Body); body != "" {
		msg += ": " + body
	}
	return msg
}

// Dial opens a WebSocket connection to url (ws://, wss://, http:// or
// https://). ctx bounds the handshake only; cancelling it later does not
// affect the connection. A server that refuses the upgrade yields an
// *HTTPError; use Retryable to decide whether to try again, or
// DialWithRetry to do so with backoff. With a Retry policy, Dial is
// DialWithRetry.
func Dial(ctx context.Context, url string, config DialConfig) (*ClientConn, error) {
	cfg := newDialConfig(config)
	if cfg.retrySet && cfg.retry.MaxAttempts != 1 {
		return DialWithRetry(ctx, url, config)
	}
	cfg.setState(Connecting)
	c, err := dial(ctx, url, cfg)
	if err != nil {
		cfg.setState(Closed)
		return nil, err
	}
	return c, nil
}

// dial performs one handshake and starts the connection's goroutines;
// it reports Connected on success and no state on failure.
func dial(ctx context.Context, rawURL string, cfg *dialConfig) (*ClientConn, error) {
	if err := checkURL(rawURL); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dial %s: %w", redact(rawURL), err)
	}
	dopts := &websocket.DialOptions{
		HTTPClient:   checkingClient(cfg.httpClient),
		HTTPHeader:   cfg.header.Clone(),
		Subprotocols: cfg.subprotocols,
	}
	if cfg.compression {
		dopts.CompressionMode = websocket.CompressionNoContextTakeover
	}
	conn, resp, err := websocket.Dial(ctx, rawURL, dopts)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			herr := &HTTPError{StatusCode: resp.StatusCode, Header: resp.Header}
			if resp.Body != nil {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, maxHTTPErrorBody))
				herr.Body = string(b)
			}
			return nil, fmt.Errorf("dial %s: %w", redact(rawURL), herr)
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("dial %s: %w", redact(rawURL), cerr)
		}
		// The library's message quotes the full URL, query string and all;
		// keep the network error itself (for Retryable) with a redacted URL.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = redact(uerr.URL)
			return nil, fmt.Errorf("dial %s: %w", redact(rawURL), uerr)
		}
		return nil, fmt.Errorf("dial %s: %w", redact(rawURL), err)
	}
	conn.SetReadLimit(-1) // the reader enforces the limit with the server's reason
	c := newClientConn(conn, cfg)
	c.readLimit = cfg.readLimit
	// Connected is reported before the connection's goroutines start, so a
	// connection that breaks at once still reports Closed after it.
	cfg.setState(Connected)
	c.start()
	return c, nil
}

// checkURL rejects URLs no retry can fix, so they are reported as such.
func checkURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("dial: invalid URL: %v", err) // not %w: a *url.Error would read as a network failure
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return fmt.Errorf("dial %s: unsupported scheme %q: use ws, wss, http or https", redact(rawURL), u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("dial %s: URL has no host", redact(rawURL))
	}
	return nil
}

// redact drops the query string and user info from a URL so that tokens
// passed as query parameters never reach an error message or a log.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "<invalid URL>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}

// ClientConn is the client end of a WebSocket stream speaking the default
// Duplex wire: one JSON document per text frame. Send, SendRaw and
// CloseSend are safe from many goroutines; Receive and ReceiveRaw are meant
// for one reader at a time. Always call Close when done: it is idempotent
// and releases every goroutine the connection started.
type ClientConn struct {
	conn        *websocket.Conn
	subprotocol string
	stateFunc   func(State)

	// ctx lives as long as the connection; ending it closes the socket
	// (one context.AfterFunc) and stops the reader and the writer.
	ctx    context.Context
	cancel context.CancelFunc
	stop   func() bool

	out     chan []byte   // frames queued by Send, drained by the writer
	closing chan struct{} // closed by Close: Send refuses new frames
	// sending is held (shared) by every Send while it enqueues; Close takes
	// it exclusively once closing is closed, so that no frame is accepted
	// after the writer's final flush.
	sending sync.RWMutex
	flush   chan struct{} // closed by Close after that barrier: the writer flushes and exits
	in      chan []byte   // frames read ahead of Receive; closed when the reader ends

	// readErr is why the reader ended; set before in is closed.
	readErr error

	readLimit int64 // the largest frame accepted (DialConfig.ReadLimit)

	termMu  sync.Mutex
	termErr error // first reason the connection ended, for Send
	// refused is the close this client answered a bad frame with: what
	// Receive returns from then on.
	refused *CloseError

	closedLocally atomic.Bool
	closeOnce     sync.Once
	closeErr      error
	writerDone    chan struct{}
	writeErr      error // set before writerDone is closed
	readerDone    chan struct{}
}

func newClientConn(conn *websocket.Conn, cfg *dialConfig) *ClientConn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &ClientConn{
		conn:        conn,
		subprotocol: conn.Subprotocol(),
		stateFunc:   cfg.stateFunc,
		ctx:         ctx,
		cancel:      cancel,
		out:         make(chan []byte, cfg.sendQueue),
		closing:     make(chan struct{}),
		flush:       make(chan struct{}),
		in:          make(chan []byte, cfg.receiveQueue),
		writerDone:  make(chan struct{}),
		readerDone:  make(chan struct{}),
	}
	c.stop = context.AfterFunc(ctx, func() { _ = conn.CloseNow() })
	return c
}

// start runs the connection's reader and writer.
func (c *ClientConn) start() {
	go c.readLoop()
	go c.writeLoop()
}

// Subprotocol returns the subprotocol the server chose during the
// handshake, "" if none.
func (c *ClientConn) Subprotocol() string { return c.subprotocol }

var errClientClosed = fmt.Errorf("connection closed by this client: %w", net.ErrClosed)

// terminate records why the connection ended (first reason wins) and ends
// its context, which closes the socket and stops both goroutines.
func (c *ClientConn) terminate(err error) {
	c.termMu.Lock()
	if c.termErr == nil {
		c.termErr = err
	}
	c.termMu.Unlock()
	c.cancel()
}

func (c *ClientConn) terminalErr() error {
	c.termMu.Lock()
	defer c.termMu.Unlock()
	if c.termErr == nil {
		return errClientClosed
	}
	return c.termErr
}

// Send encodes v as JSON and queues it as one text frame. It returns once
// the frame is queued (the queue holds DialConfig.SendQueue frames, 256 by
// default; when full, Send waits for room or for ctx to end). A write failure
// ends the connection and is returned by later calls, and by Receive. After
// the server closed the stream Send returns a *CloseError.
func (c *ClientConn) Send(ctx context.Context, v any) error {
	frame, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	return c.SendRaw(ctx, frame)
}

// SendRaw queues frame, which must be one complete JSON document, as a text
// frame, like Send. The frame is not copied: do not modify it afterwards.
func (c *ClientConn) SendRaw(ctx context.Context, frame []byte) error {
	c.sending.RLock()
	defer c.sending.RUnlock()
	select {
	case <-c.closing:
		return fmt.Errorf("send: %w", errClientClosed)
	case <-c.ctx.Done():
		return fmt.Errorf("send: %w", c.terminalErr())
	default:
	}
	select {
	case c.out <- frame:
		return nil
	case <-c.closing:
		return fmt.Errorf("send: %w", errClientClosed)
	case <-c.ctx.Done():
		return fmt.Errorf("send: %w", c.terminalErr())
	case <-ctx.Done():
		return fmt.Errorf("send: %w", ctx.Err())
	}
}

// Ping sends a ping and waits for the server's pong, or for ctx to end:
// a client's heartbeat. A path that silently stopped carrying bytes
// shows up here, when no read or write would ever fail.
func (c *ClientConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

var nullFrame = []byte("null")

// CloseSend tells the server this client sends nothing more (a JSON null
// text frame, the default wire's end of a client stream). The connection
// stays open to receive the server's remaining messages; call Close when
// done with them.
func (c *ClientConn) CloseSend(ctx context.Context) error {
	return c.SendRaw(ctx, nullFrame)
}

// Receive decodes the next text frame into v (see Decode). It returns
// io.EOF when the server ended the stream normally (close 1000), a
// *CloseError carrying the code and reason for any other close (1006 when
// the connection dropped without one), ctx's error when ctx ends first, and
// an error wrapping net.ErrClosed after Close. A bad frame is answered as
// the server answers one, and Receive returns that *CloseError: a frame
// that is not valid JSON for v closes the connection with Decode's 1007, a
// text frame that is not valid UTF-8 (RFC 6455 section 8.1) with 1007, a
// binary frame with 1003, a frame above the read limit with 1009; a close
// frame whose reason is not valid UTF-8 is answered with 1002 and returned
// as such.
func (c *ClientConn) Receive(ctx context.Context, v any) error {
	frame, err := c.ReceiveRaw(ctx)
	if err != nil {
		return err
	}
	if err := decode(frame, v); err != nil {
		return c.refuse(decodeError(err))
	}
	return nil
}

// Fail ends the connection because of err, as Conn.Fail does on the
// server: a close frame with the code and reason err carries (a
// *CloseError in its chain, else the close code of duplex.CodeOf(err)
// with err's text, 1011 "internal error" for CodeInternal), then the
// connection's end. Receive and Send return that close from then on.
func (c *ClientConn) Fail(err error) {
	code, reason := failStatus(err)
	c.refuse(&CloseError{Code: code, Reason: closereason.Truncate(reason), err: err})
}

// refuse closes the connection with ce's code and reason, because of a
// frame the server sent, and returns ce, which later calls return too.
func (c *ClientConn) refuse(ce *CloseError) error {
	c.termMu.Lock()
	if c.refused == nil && c.termErr == nil {
		c.refused = ce
	}
	c.termMu.Unlock()
	_ = c.conn.Close(websocket.StatusCode(ce.Code), ce.Reason)
	c.terminate(ce)
	return ce
}

// ReceiveRaw returns the next text frame undecoded, with Receive's errors.
// The slice belongs to the caller.
func (c *ClientConn) ReceiveRaw(ctx context.Context) ([]byte, error) {
	select {
	case frame, ok := <-c.in:
		if !ok {
			return nil, c.readErr
		}
		return frame, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("receive: %w", ctx.Err())
	}
}

// Close ends the connection: frames already queued by Send are written
// (for at most 5 seconds), then a close frame 1000 is sent and the
// server's answer awaited (bounded by the library's 5 s timeouts). When
// Close returns, every goroutine of the connection has exited. Close is
// idempotent; it returns an error only when queued frames could not be
// written.
func (c *ClientConn) Close() error {
	c.closeOnce.Do(func() {
		c.closedLocally.Store(true)
		close(c.closing) // wakes Sends waiting for queue room
		c.sending.Lock() // waits for Sends still enqueuing; later ones see closing
		//lint:ignore SA2001 the lock is a barrier: nothing to do inside it
		c.sending.Unlock()
		close(c.flush)
		t := time.NewTimer(defaults.CloseFlushTimeout)
		select {
		case <-c.writerDone:
		case <-t.C:
			c.terminate(errClientClosed)
			<-c.writerDone
		}
		t.Stop()
		if c.ctx.Err() == nil {
			_ = c.conn.Close(websocket.StatusNormalClosure, "")
		}
		c.terminate(errClientClosed)
		<-c.readerDone
		c.stop()
		_ = c.conn.CloseNow() // no-op after the handshake; the AfterFunc may have been stopped before running
		if c.writeErr != nil && !errors.Is(c.writeErr, net.ErrClosed) {
			c.closeErr = fmt.Errorf("close: queued messages were not all sent: %w", c.writeErr)
		}
	})
	return c.closeErr
}

// writeLoop is the connection's only writer. It writes with a background
// context: per-call contexts are honoured while Send waits for queue room,
// and a stuck write is ended by closing the connection.
func (c *ClientConn) writeLoop() {
	defer close(c.writerDone)
	for {
		select {
		case frame := <-c.out:
			if err := c.write(frame); err != nil {
				return
			}
		case <-c.flush:
			// Flush what Send accepted before Close, then hand over to Close.
			for {
				select {
				case frame := <-c.out:
					if err := c.write(frame); err != nil {
						return
					}
				default:
					return
				}
			}
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *ClientConn) write(frame []byte) error {
	err := c.conn.Write(context.Background(), websocket.MessageText, frame)
	if err != nil {
		c.writeErr = err
		c.terminate(&CloseError{Code: StatusAbnormal, Reason: "write failed: " + err.Error()})
	}
	return err
}

// readLoop is the connection's only reader: it reads ahead into c.in so
// that Receive can honour its context without a cancellable context per
// read.
func (c *ClientConn) readLoop() {
	defer close(c.readerDone)
	defer func() {
		if c.stateFunc != nil {
			c.stateFunc(Closed)
		}
	}()
	defer close(c.in)
	for {
		frame, err := c.readData()
		if err != nil {
			c.readErr = c.readError(err)
			c.terminate(c.sendError(c.readErr))
			return
		}
		select {
		case c.in <- frame:
		case <-c.ctx.Done():
			c.readErr = c.readError(net.ErrClosed)
			return
		}
	}
}

// readData reads the next data frame, refusing (as the server's
// Conn.readData does) a binary frame, one above the read limit and one
// that is not valid UTF-8.
func (c *ClientConn) readData() ([]byte, error) {
	typ, r, err := c.conn.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, c.refuse(&CloseError{Code: StatusUnsupportedData, Reason: reasonBinary})
	}
	var frame []byte
	if c.readLimit < 0 {
		frame, err = io.ReadAll(r)
	} else {
		frame, err = readFrame(r, c.readLimit)
	}
	if err != nil {
		return nil, err
	}
	if c.readLimit >= 0 && int64(len(frame)) > c.readLimit {
		return nil, c.refuse(&CloseError{Code: StatusMessageTooBig, Reason: reasonTooBig(c.readLimit)})
	}
	if !utf8.Valid(frame) {
		return nil, c.refuse(&CloseError{Code: StatusInvalidPayload, Reason: errInvalidUTF8})
	}
	return frame, nil
}

// readError turns the library's read error into what Receive returns.
func (c *ClientConn) readError(err error) error {
	if c.closedLocally.Load() {
		return fmt.Errorf("receive: %w", errClientClosed)
	}
	c.termMu.Lock()
	refused := c.refused
	c.termMu.Unlock()
	if refused != nil {
		return refused
	}
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == websocket.StatusNormalClosure:
		return io.EOF
	case errors.As(err, &ce):
		return &CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason}
	case errors.Is(err, websocket.ErrMessageTooBig):
		return &CloseError{Code: StatusMessageTooBig, Reason: err.Error()}
	}
	c.termMu.Lock()
	term := c.termErr
	c.termMu.Unlock()
	if term != nil { // the writer failed first: report its reason
		return term
	}
	return &CloseError{Code: StatusAbnormal, Reason: "connection lost: " + err.Error()}
}

// sendError is what Send reports once the reader ended with err: the close
// itself rather than io.EOF.
func (c *ClientConn) sendError(err error) error {
	if err == io.EOF {
		return &CloseError{Code: StatusNormalClosure, Reason: "stream closed by the server"}
	}
	return err
}
