package mux

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	duplex "duplex.dev"
	"duplex.dev/internal/closereason"
	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
)

// Server serves multiplexed connections: each stream or call a client
// opens on one is routed by its handler (the generated server's mux) as
// its own request would be. Mount it on DefaultPath.
type Server struct {
	handler    http.Handler
	wsrv       *ws.Server
	ep         *ws.Endpoint
	maxStreams int
	metrics    *Metrics
}

// Option configures a Server.
type Option func(*Server)

// WithMaxStreams sets how many streams and calls one connection may have
// open at once (DefaultMaxStreams, 128); one more is refused with end
// 4029, status 429.
func WithMaxStreams(n int) Option { return func(s *Server) { s.maxStreams = n } }

// WithMetrics counts connections and streams per connection in m.
func WithMetrics(m *Metrics) Option { return func(s *Server) { s.metrics = m } }

// NewServer returns the multiplexed endpoint of the API that h routes
// (the http.ServeMux the generated servers are mounted on). The
// connections run on wsrv, as the endpoint "duplex" "mux" (its settings
// are the server Config's Methods["duplex.mux"]); each stream runs
// with its own method's settings.
func NewServer(h http.Handler, wsrv *ws.Server, opts ...Option) *Server {
	s := &Server{
		handler: h, wsrv: wsrv, maxStreams: DefaultMaxStreams,
		ep: &ws.Endpoint{Service: "duplex", Method: "mux", Config: ws.Config{Subprotocols: []string{Subprotocol}}},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ServeHTTP serves one multiplexed connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := s.wsrv.Handle(w, r, s.ep, func(ctx context.Context, c *ws.Conn) error {
		if c.ChosenSubprotocol() != Subprotocol {
			return errNoSubprotocol
		}
		return newConn(s, c).serve()
	})
	if err != nil {
		s.wsrv.Refused(r, s.ep, http.StatusBadRequest)
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

var errNoSubprotocol = errors.New("mux: the upgrade request must offer the subprotocol " + Subprotocol)

// conn is one multiplexed connection on the server.
type conn struct {
	srv    *Server
	ws     *ws.Conn
	ctx    context.Context
	header http.Header // the upgrade request's, below every stream's
	query  url.Values
	base   http.Request // the upgrade request's Host, RemoteAddr and Proto, copied before the upgrade

	mu      sync.Mutex
	streams map[uint64]*stream
	calls   int
	lastID  uint64
	most    int       // the most streams open at once, for the metrics
	control [][]byte  // frames written before any stream's messages
	ready   []*stream // streams with something to write, in turn
	wake    chan struct{}
	closed  bool

	handlers sync.WaitGroup
}

// hopHeaders are the upgrade request's headers that do not pass to the
// requests of its streams.
var hopHeaders = []string{"Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version",
	"Sec-Websocket-Extensions", "Sec-Websocket-Protocol", "Content-Length", "Transfer-Encoding", "Accept"}

func newConn(s *Server, c *ws.Conn) *conn {
	r := c.Request() // before the upgrade: every header is still there
	h := r.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	return &conn{
		srv: s, ws: c, header: h, query: r.URL.Query(),
		base:    http.Request{Host: r.Host, RemoteAddr: r.RemoteAddr, Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor},
		streams: map[uint64]*stream{}, wake: make(chan struct{}, 1),
	}
}

// serve reads the connection's frames until it ends, then waits for the
// handlers of its streams.
func (c *conn) serve() error {
	if err := c.ws.Upgrade(); err != nil {
		return err
	}
	c.ctx = c.ws.Context()
	c.srv.metrics.opened()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	err := c.readLoop()
	c.mu.Lock()
	c.closed = true
	most := c.most
	streams := make([]*stream, 0, len(c.streams))
	for _, st := range c.streams {
		streams = append(streams, st)
	}
	c.mu.Unlock()
	cause := err
	if err != nil {
		c.ws.Fail(err) // the connection's context ends: calls and streams return
	} else {
		cause = context.Cause(c.ctx)
	}
	for _, st := range streams {
		st.connEnded(cause)
	}
	c.handlers.Wait()
	c.srv.metrics.closed(most)
	<-writerDone
	return err
}

// readLoop reads and dispatches frames until the connection ends: nil
// when the peer left, the error to close the connection with otherwise.
func (c *conn) readLoop() error {
	for {
		b, err := c.ws.ReceiveRaw(c.ctx)
		if errors.Is(err, io.EOF) {
			return &ws.CloseError{Code: ws.StatusProtocolError, Reason: "mux: a bare null is not a frame"}
		}
		if err != nil {
			return nil // the connection ended: its close says why
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return &ws.CloseError{Code: ws.StatusInvalidPayload, Reason: "mux: invalid frame: " + err.Error()}
		}
		if f.ID == 0 || f.ID > maxID {
			return &ws.CloseError{Code: ws.StatusProtocolError, Reason: fmt.Sprintf("mux: %s frame without a valid id", quoteKind(f.T))}
		}
		switch f.T {
		case kindOpen, kindCall:
			c.open(&f, len(b))
		case kindMsg:
			if st := c.stream(&f); st != nil {
				st.received(f.Data)
			}
		case kindCredit:
			if st := c.stream(&f); st != nil {
				st.credited(f.N)
			}
		case kindEnd:
			if st := c.stream(&f); st != nil {
				st.peerEnded(f.Code, f.Reason)
			}
		default:
			return &ws.CloseError{Code: ws.StatusProtocolError, Reason: fmt.Sprintf("mux: unknown frame kind %s", quoteKind(f.T))}
		}
	}
}

func quoteKind(t string) string {
	if len(t) > 16 {
		t = t[:16] + "…"
	}
	return fmt.Sprintf("%q", t)
}

// stream returns the open stream f names; nil when there is none: an
// error frame answers an id never opened, and a frame for a stream that
// ended is ignored (it may have crossed the stream's end).
func (c *conn) stream(f *frame) *stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.streams[f.ID]; st != nil {
		return st
	}
	if f.ID > c.lastID {
		c.pushLocked((&frame{T: kindError, ID: f.ID, Code: ws.StatusProtocolError,
			Reason: fmt.Sprintf("mux: %s frame for stream %d, which was never opened", f.T, f.ID)}).encode())
	}
	return nil
}

// open starts the stream or call f opens, or refuses it.
func (c *conn) open(f *frame, size int) {
	c.mu.Lock()
	if f.ID <= c.lastID {
		c.pushLocked((&frame{T: kindError, ID: f.ID, Code: ws.StatusProtocolError,
			Reason: fmt.Sprintf("mux: stream id %d was already used: ids must increase (last %d)", f.ID, c.lastID)}).encode())
		c.mu.Unlock()
		return
	}
	c.lastID = f.ID
	refuse := func(status int, code ws.StatusCode, reason string) {
		body, _ := json.Marshal(map[string]string{"name": refusalName(status), "message": reason})
		c.pushLocked((&frame{T: kindEnd, ID: f.ID, Code: code, Reason: closereason.Truncate(reason), Status: status, Body: body}).encode())
		c.mu.Unlock()
	}
	switch {
	case size-len(f.Body) > maxOpenFrame: // a call's body is the method's to limit, as over HTTP
		refuse(http.StatusRequestHeaderFieldsTooLarge, ws.StatusPolicyViolation,
			fmt.Sprintf("mux: %s frame of %d bytes (without its body), above the limit of %d", f.T, size-len(f.Body), maxOpenFrame))
		return
	case len(c.streams)+c.calls >= c.srv.maxStreams:
		refuse(http.StatusTooManyRequests, ws.StatusRateLimited,
			fmt.Sprintf("mux: %d streams are open on this connection, the limit: end one first", c.srv.maxStreams))
		return
	case f.T == kindOpen && (f.Credit < 0 || f.Credit > maxCredit):
		refuse(http.StatusBadRequest, ws.StatusProtocolError, fmt.Sprintf("mux: credit %d is not between 1 and %d", f.Credit, maxCredit))
		return
	case f.Path == "" || f.Path[0] != '/':
		refuse(http.StatusBadRequest, ws.StatusPolicyViolation, fmt.Sprintf("mux: path %q does not start with /", closereason.Truncate(f.Path)))
		return
	}
	method := http.MethodGet
	if f.T == kindCall {
		method = f.Method
	}
	r, err := c.request(f, method)
	if err != nil {
		refuse(http.StatusBadRequest, ws.StatusPolicyViolation, "mux: "+err.Error())
		return
	}
	c.handlers.Add(1)
	if f.T == kindCall {
		c.calls++
		c.mu.Unlock()
		go c.call(f, r)
		return
	}
	st := newStream(c, f.ID, f.Credit)
	c.streams[f.ID] = st
	c.most = max(c.most, len(c.streams))
	c.mu.Unlock()
	go c.runStream(st, r)
}

// refusalName is the error name in the body of a stream the connection
// refuses itself.
func refusalName(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "too_many_streams"
	case http.StatusRequestHeaderFieldsTooLarge:
		return "open_too_large"
	}
	return "bad_request"
}

// request returns the request of the stream or call f opens: its path,
// query and headers over the upgrade request's.
func (c *conn) request(f *frame, method string) (*http.Request, error) {
	u, err := url.Parse(f.Path)
	if err != nil || u.Path == "" || u.Host != "" || u.Scheme != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("invalid path %q", closereason.Truncate(f.Path))
	}
	q, err := url.ParseQuery(f.Query)
	if err != nil {
		return nil, fmt.Errorf("invalid query: %v", err)
	}
	merged := url.Values{}
	for k, vs := range c.query {
		merged[k] = vs
	}
	for k, vs := range q {
		merged[k] = vs
	}
	u.RawQuery = merged.Encode()
	var body io.Reader = http.NoBody
	if len(f.Body) > 0 {
		body = bytes.NewReader(f.Body)
	}
	r, err := http.NewRequestWithContext(c.ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	r.Host, r.RemoteAddr, r.Proto, r.ProtoMajor, r.ProtoMinor = c.base.Host, c.base.RemoteAddr, c.base.Proto, c.base.ProtoMajor, c.base.ProtoMinor
	r.URL.Host, r.URL.Scheme = "", ""
	r.Header = c.header.Clone()
	for k, vs := range f.Header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if len(f.Body) > 0 && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r, nil
}

// runStream routes the stream's request to its method's handler, which
// serves the method on st (transport.Stream); a request the handler
// answers as HTTP ends the stream with that answer.
func (c *conn) runStream(st *stream, r *http.Request) {
	defer c.handlers.Done()
	rec := newRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil {
				c.ws.Logger().Error("mux: stream handler panicked", "panic", p, "stack", string(debug.Stack()))
				rec.WriteHeader(http.StatusInternalServerError)
			}
		}()
		st.req = r.WithContext(st.ctx)
		c.srv.handler.ServeHTTP(rec, multiplex.With(st.req, st))
	}()
	st.handled(rec)
}

// call runs the unary call f on r and answers it with a reply frame,
// or 504 once its timeout passed.
func (c *conn) call(f *frame, r *http.Request) {
	defer c.handlers.Done()
	defer func() {
		c.mu.Lock()
		c.calls--
		c.mu.Unlock()
	}()
	timeout := time.Duration(maxCallTimeoutMillis) * time.Millisecond
	if f.Timeout > 0 && f.Timeout < maxCallTimeoutMillis {
		timeout = time.Duration(f.Timeout) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	rec := newRecorder()
	done := make(chan struct{})
	c.handlers.Add(1)
	go func() {
		defer c.handlers.Done()
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				c.ws.Logger().Error("mux: call handler panicked", "panic", p, "stack", string(debug.Stack()))
				rec.WriteHeader(http.StatusInternalServerError)
			}
		}()
		c.srv.handler.ServeHTTP(rec, r.WithContext(ctx))
	}()
	reply := &frame{T: kindReply, ID: f.ID}
	select {
	case <-done:
		reply.Status, reply.Header, reply.Body = rec.result()
	case <-ctx.Done():
		reply.Status = http.StatusGatewayTimeout
		reply.Body, _ = json.Marshal(map[string]string{"name": "timeout", "message": fmt.Sprintf("mux: the call did not answer within %s", timeout)})
		rec.abandon()
	}
	c.push(reply.encode())
}

// push queues a control frame: written before any stream's messages.
func (c *conn) push(b []byte) {
	c.mu.Lock()
	c.pushLocked(b)
	c.mu.Unlock()
}

func (c *conn) pushLocked(b []byte) {
	if c.closed {
		return
	}
	if len(c.control) >= maxControl {
		// The client sends frames that need an answer (opens, credits,
		// frames for unknown ids) and does not read the answers.
		c.closed = true
		go c.ws.Fail(&ws.CloseError{Code: ws.StatusSlowConsumer,
			Reason: fmt.Sprintf("slow consumer: %d control frames unread", maxControl)})
		return
	}
	c.control = append(c.control, b)
	c.signal()
}

// maxControl bounds the control frames (ok, end, credit, reply, error)
// waiting for the writer of one connection.
const maxControl = 4096

// schedule puts st in the writer's turn when it has something to write;
// c.mu is held.
func (c *conn) scheduleLocked(st *stream) {
	if !st.inTurn && st.writable() {
		st.inTurn = true
		c.ready = append(c.ready, st)
		c.signal()
	}
}

func (c *conn) signal() { poke(c.wake) }

// poke wakes the goroutine that waits on ch (a channel of one slot), or
// leaves the wake-up pending for it.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// writeLoop writes the connection's frames: control frames first, then
// one message of each stream that holds credit, in turn.
func (c *conn) writeLoop() {
	var batch [][]byte
	for {
		select {
		case <-c.wake:
		case <-c.ctx.Done():
			return
		}
		for {
			batch = c.take(batch[:0])
			if len(batch) == 0 {
				break
			}
			for i, b := range batch {
				if err := c.ws.Send(c.ctx, json.RawMessage(b)); err != nil {
					return
				}
				batch[i] = nil
			}
		}
	}
}

// take returns the next frames to write: the control frames, then one
// frame of each ready stream.
func (c *conn) take(batch [][]byte) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch = append(batch, c.control...)
	clear(c.control)
	c.control = c.control[:0]
	n := len(c.ready)
	for i := 0; i < n; i++ {
		st := c.ready[0]
		c.ready = c.ready[1:]
		b, more := st.nextLocked()
		if b != nil {
			batch = append(batch, b)
		}
		if more {
			c.ready = append(c.ready, st)
		} else {
			st.inTurn = false
		}
	}
	if len(c.ready) == 0 {
		c.ready = nil // let the backing array go
	}
	return batch
}

// remove forgets the ended stream st; c.mu is held.
func (c *conn) removeLocked(st *stream) {
	if c.streams[st.id] == st {
		delete(c.streams, st.id)
	}
}

// recorder is the response writer of a stream's or a call's request: it
// keeps the status, headers and body the handler answers with.
type recorder struct {
	mu      sync.Mutex
	header  http.Header
	status  int
	body    bytes.Buffer
	dropped bool
}

// maxBody bounds the body a recorder keeps of a refused stream's answer
// or a call's response.
const maxBody = 1 << 20

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.dropped || r.body.Len()+len(b) > maxBody {
		return 0, errors.New("mux: response body too large or abandoned")
	}
	return r.body.Write(b)
}

// abandon drops what the handler writes from now on.
func (r *recorder) abandon() {
	r.mu.Lock()
	r.dropped = true
	r.mu.Unlock()
}

// result returns the response: its status, headers and body as JSON (a
// JSON string when the body is not JSON, none when empty).
func (r *recorder) result() (int, http.Header, json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	h := r.header.Clone()
	h.Del("Content-Length")
	if len(h) == 0 {
		h = nil
	}
	b := bytes.TrimSpace(r.body.Bytes())
	if len(b) == 0 {
		return status, h, nil
	}
	if json.Valid(b) {
		return status, h, append(json.RawMessage(nil), b...)
	}
	s, _ := json.Marshal(string(b))
	return status, h, s
}

// refusal returns the close code and reason of a stream its handler
// answered as HTTP: the code the status maps to after an upgrade
// (duplex.CodeForStatus: 400 → 1007, 401 and 403 → 4501, 413 → 1009, 429 →
// 4029, other 4xx → 1008, else 1011) and the answer's message.
func refusal(status int, body json.RawMessage) (ws.StatusCode, string) {
	var msg struct {
		Message string `json:"message"`
	}
	reason := ""
	if json.Unmarshal(body, &msg) == nil && msg.Message != "" {
		reason = msg.Message
	} else {
		var s string
		if json.Unmarshal(body, &s) == nil {
			reason = strings.TrimSpace(s)
		}
	}
	if reason == "" {
		reason = http.StatusText(status)
	}
	return ws.StatusCode(duplex.CodeForStatus(status).CloseCode()), reason
}
