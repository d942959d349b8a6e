package ws

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"duplex.dev/internal/ratelimit"
)

// Server runs WebSocket streams: it answers refused requests before the
// upgrade, registers every connection while it is alive, and closes them
// all on Shutdown. One Server serves any number of endpoints; the zero
// value is not usable, call NewServer.
type Server struct {
	cfg     Config
	limiter *rate.Limiter // nil: no upgrade rate limit
	prefix  string        // connection ids are prefix-sequence
	seq     atomic.Uint64
	eps     sync.Map // *Endpoint → *endpoint
	def     *endpoint

	mu      sync.Mutex
	conns   map[*Conn]struct{} // every admitted request, upgraded or not
	perIP   map[string]int
	carried int // streams on another carrier holding a place (Carrier.Admit)
	open    int // upgraded connections
	closing bool
	drained chan struct{} // closed when closing and conns is empty

	// released, when set (by tests), is called with every connection
	// release removed from the registry, after Handle may have returned.
	released func(*Conn)
}

// Endpoint names the service method a stream belongs to (for logs, metric
// labels and Config.Methods) and carries the configuration that applies to
// it only, over the server's: its non-zero fields. Do not change it after
// the first request.
type Endpoint struct {
	Service, Method string
	Config          Config
}

// endpoint is an Endpoint resolved once: its configuration, accept options,
// logger and metrics.
type endpoint struct {
	cfg     Config
	accept  *websocket.AcceptOptions
	log     *slog.Logger
	metrics *endpointMetrics

	subjOnce sync.Once
	subj     *ratelimit.Keyed // per-subject message buckets (SubjectMessageRate)
}

// NewServer returns a Server configured by cfg, whose zero fields take
// DefaultConfig's values.
func NewServer(cfg Config) *Server {
	def := DefaultConfig()
	overlay(&def, cfg)
	cfg = def
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := &Server{
		cfg:     cfg,
		prefix:  hex.EncodeToString(b[:]),
		conns:   make(map[*Conn]struct{}),
		perIP:   make(map[string]int),
		drained: make(chan struct{}),
	}
	if cfg.UpgradeRate > 0 {
		burst := max(cfg.UpgradeBurst, 1)
		s.limiter = rate.NewLimiter(rate.Limit(cfg.UpgradeRate), burst)
	}
	s.def = s.resolve("", "", Config{})
	return s
}

// Config returns the server-wide configuration.
func (s *Server) Config() Config { return s.cfg }

func (s *Server) resolve(service, method string, own Config) *endpoint {
	cfg := s.cfg
	overlay(&cfg, own)
	overlay(&cfg, s.cfg.Methods[service+"."+method])
	cfg.MaxConnections, cfg.MaxConnectionsPerIP = s.cfg.MaxConnections, s.cfg.MaxConnectionsPerIP
	cfg.UpgradeRate, cfg.UpgradeBurst, cfg.Methods = s.cfg.UpgradeRate, s.cfg.UpgradeBurst, nil
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = DefaultConfig().ReadLimit
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = DefaultConfig().SendQueue
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultConfig().WriteTimeout
	}
	if cfg.UpgradeHeaderLimit <= 0 {
		cfg.UpgradeHeaderLimit = DefaultConfig().UpgradeHeaderLimit
	}
	if cfg.HeartbeatInterval > 0 && cfg.HeartbeatTimeout <= 0 {
		cfg.HeartbeatTimeout = DefaultConfig().HeartbeatTimeout
	}
	accept := &websocket.AcceptOptions{
		Subprotocols:   cfg.Subprotocols,
		OriginPatterns: cfg.Origins,
	}
	if cfg.CompressionThreshold > 0 {
		accept.CompressionMode = websocket.CompressionNoContextTakeover
		accept.CompressionThreshold = cfg.CompressionThreshold
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if service != "" || method != "" {
		log = log.With("service", service, "method", method)
	}
	return &endpoint{cfg: cfg, accept: accept, log: log, metrics: cfg.Metrics.forEndpoint(service, method)}
}

func (s *Server) endpoint(ep *Endpoint) *endpoint {
	if ep == nil {
		return s.def
	}
	if e, ok := s.eps.Load(ep); ok {
		return e.(*endpoint)
	}
	e, _ := s.eps.LoadOrStore(ep, s.resolve(ep.Service, ep.Method, ep.Config))
	return e.(*endpoint)
}

func (s *Server) newID() string {
	return s.prefix + "-" + strconv.FormatUint(s.seq.Add(1), 36)
}

// Len returns the number of open (upgraded) connections.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// Handle serves one stream request with h.
//
// First it answers, as HTTP, the requests it refuses: 426 when the request
// is not a WebSocket upgrade (400 for a broken handshake, 405 for a method
// other than GET), 431 for headers above UpgradeHeaderLimit, 403 for a
// cross-origin page that Origins does not allow,
// 503 past MaxConnections or after Shutdown, 429 past MaxConnectionsPerIP
// or the upgrade rate. It returns nil then.
//
// Otherwise h runs in a goroutine of its own and the upgrade happens on
// the first Send, SendRaw, Receive, ReceiveRaw, Close or Upgrade call.
// Until then Handle waits, and h's context ends if the request's does. If
// h returns an error (or calls Fail) before the upgrade, Handle writes
// nothing and returns that error: the caller answers it as HTTP, for
// example 401. A handler that returns nil without using the connection
// gets an upgrade and a 1000 close.
//
// Once the connection is upgraded, Handle returns nil and h runs on:
// net/http's goroutine, request and buffers are let go (an idle stream
// keeps only what it needs), and Request returns a copy that keeps the
// URL, the path values, the context's values and the headers listed
// there. h's context is then cancelled when the peer leaves, the
// heartbeat fails, the connection is closed or the server shuts down (not
// when the request's context ends, which net/http does as Handle
// returns). When h returns nil the queued frames are sent and the stream
// closes with 1000; an error closes it as Fail does. A panic in h is
// recovered and logged with its stack, and the stream closes with 1011
// (HTTP 500 before the upgrade). Server.Shutdown waits for the handlers.
func (s *Server) Handle(w http.ResponseWriter, r *http.Request, ep *Endpoint, h func(ctx context.Context, c *Conn) error) error {
	e := s.endpoint(ep)
	// A plain GET (no Upgrade header at all) runs the handler up to its
	// first use of the stream, which answers 426: what the handler refuses
	// before that (credentials: 401, as Goa's servers answer) is the answer
	// instead. Browsers, whose WebSocket hides a refused upgrade's status,
	// learn it this way with a plain request.
	plain := r.Method == http.MethodGet && !headerHasToken(r.Header, "Upgrade", "websocket")
	if !plain {
		if status, msg := checkHandshake(w, r); status != 0 {
			e.refuse(w, r, status, msg)
			return nil
		}
	}
	if n := headerSize(r); n > e.cfg.UpgradeHeaderLimit {
		w.Header().Set("Connection", "close")
		e.refuse(w, r, http.StatusRequestHeaderFieldsTooLarge,
			fmt.Sprintf("request headers too large: %d bytes, the limit for a WebSocket upgrade is %d", n, e.cfg.UpgradeHeaderLimit))
		return nil
	}
	if !originAllowed(r, e.cfg.Origins) {
		e.refuse(w, r, http.StatusForbidden, "cross-origin WebSocket request refused: origin not allowed")
		return nil
	}
	ip := ratelimit.ClientIP(r)
	c := newConn(s, e, w, r, ip)
	c.plain = plain
	if status, msg := s.admit(c); status != 0 {
		c.cancel(errors.New("ws: request refused"))
		e.refuse(w, r, status, msg)
		return nil
	}
	// h runs in a goroutine of its own, so that once the connection is
	// upgraded this one returns and net/http lets go of its goroutine,
	// request, response and buffers: an idle stream then keeps its own
	// goroutine alone, whose stack the garbage collector can shrink (see
	// Conn.awaitReadable). Until the upgrade this goroutine waits, and the
	// request's context ending cancels the handler's.
	handoff, done := make(chan struct{}), make(chan handled, 1)
	c.handoff, c.done, c.h = handoff, done, h
	c.hstart = time.Now()
	unwatch := context.AfterFunc(r.Context(), func() { c.cancel(context.Cause(r.Context())) })
	go c.serve()
	select {
	case <-handoff:
		unwatch()
		return nil
	case res := <-done:
		unwatch()
		return c.answer(res)
	}
}

// handled is how a handler that never upgraded its connection ended.
type handled struct {
	err             error
	panicked, abort bool
}

// serve runs the handler in the connection's own goroutine and, once it
// returns, ends the stream (after the upgrade) or hands the result to
// Handle, which answers it as HTTP (before). It is the only frame below
// the handler's, and it is kept small (no arguments, no results, the
// recovery in recovered and the work in finish): an idle handler's stack
// is what lies above it, and the garbage collector halves an 8 KB stack
// only when less than 1,248 bytes of it are in use.
func (c *Conn) serve() {
	defer c.recovered()
	c.returned(c.h(c.ctx, c))
}

// returned ends the connection of a handler that returned err.
//
//go:noinline
func (c *Conn) returned(err error) { c.finish(handled{err: err}) }

// recovered recovers a panic of the handler and ends its connection;
// abort reports http.ErrAbortHandler, which Handle raises again in
// net/http's goroutine before the upgrade. A panic of finish itself (the
// handler had returned) goes on.
func (c *Conn) recovered() {
	v := recover()
	if v == nil {
		return
	}
	if c.handled.Load() {
		panic(v)
	}
	var res handled
	if v == http.ErrAbortHandler {
		res.abort = true
	} else {
		res.panicked = true
		c.ep.log.Error("stream handler panicked", "id", c.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
	c.finish(res)
}

// finish ends the connection after its handler returned (see serve).
//
//go:noinline
func (c *Conn) finish(res handled) {
	e := c.ep
	e.metrics.handled(time.Since(c.hstart))
	if !c.upgraded.Load() && !res.panicked && res.err == nil {
		// The handler never used the connection: end the stream cleanly
		// rather than answer an empty 200.
		c.umu.Lock()
		unused := !c.answered && c.failErr == nil
		c.umu.Unlock()
		if unused {
			_ = c.Upgrade()
		}
	}
	c.handled.Store(true)
	c.umu.Lock()
	upgraded := c.ws != nil
	c.umu.Unlock()
	c.h = nil
	if !upgraded {
		c.done <- res // Handle answers it, with the ResponseWriter still valid
		return
	}
	defer c.srv.release(c)
	defer c.kill(errors.New("ws: handler returned"))
	switch {
	case res.abort:
		// http.ErrAbortHandler: net/http would drop the connection.
		c.abort(errors.New("ws: handler aborted"), StatusInternalError)
	case res.panicked:
		c.closeWith(StatusInternalError, "internal error", true)
	case res.err != nil:
		c.Fail(res.err)
	default:
		c.closeWith(StatusNormalClosure, "", true)
	}
	c.stopReaders()
	c.wg.Wait()
	c.stopWriteTimer()
	c.stopHeartbeat()

	code := StatusCode(c.finalCode.Load())
	e.metrics.closed(code)
	reason := ""
	if ce := (*CloseError)(nil); errors.As(context.Cause(c.ctx), &ce) {
		reason = ce.Reason
	}
	e.log.Debug("websocket closed", "id", c.id, "code", int(code), "reason", reason, "duration", time.Since(c.hstart))
}

// answer ends, in Handle's goroutine, a connection whose handler returned
// before any upgrade: what the handler wrote stands, a panic is answered
// 500, and the handler's error is returned for the caller to answer.
func (c *Conn) answer(res handled) error {
	defer c.srv.release(c)
	defer c.kill(errors.New("ws: handler returned"))
	c.cancel(errors.New("ws: handler returned"))
	c.umu.Lock()
	answered, failErr := c.answered, c.failErr
	c.umu.Unlock()
	switch {
	case res.abort:
		panic(http.ErrAbortHandler) // as net/http expects it from its handler
	case res.panicked:
		if !answered {
			http.Error(c.w, "internal error", http.StatusInternalServerError)
		}
		return nil
	case answered:
		return nil
	case res.err != nil:
		return res.err
	default:
		return failErr
	}
}

// Refused records that the caller of Handle answered r with an HTTP error
// status (Handle returned the handler's error before the upgrade, for
// example a failed authorization: 401): it is logged at debug level and
// counted in duplex_upgrades_refused_total, as Handle's own refusals are.
// The log names the path, never the query string or headers.
func (s *Server) Refused(r *http.Request, ep *Endpoint, status int) {
	s.endpoint(ep).refused(r, status, "")
}

// refuse answers r with status and msg before the upgrade, and records it.
func (e *endpoint) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	http.Error(w, msg, status)
	e.refused(r, status, msg)
}

// refused logs and counts a refused upgrade request; reason is the text of
// the answer ("" when the caller answered with an error of its own, which
// may quote what the client sent).
func (e *endpoint) refused(r *http.Request, status int, reason string) {
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("websocket upgrade refused", "status", status, "reason", reason, "remote", ratelimit.ClientIP(r), "path", r.URL.Path)
	}
	e.metrics.refusedUpgrade(status)
}

// admit registers c, or returns the HTTP status and text refusing it.
func (s *Server) admit(c *Conn) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status, msg := s.refusalLocked(c.ip); status != 0 {
		return status, msg
	}
	s.conns[c] = struct{}{}
	s.perIP[c.ip]++
	return 0, ""
}

// refusalLocked returns the HTTP status and text refusing one more stream
// from ip (0 when there is room): WebSockets and the streams of other
// carriers (Carrier.Admit) count against the same limits. s.mu is held.
func (s *Server) refusalLocked(ip string) (int, string) {
	switch {
	case s.closing:
		return http.StatusServiceUnavailable, "server shutting down"
	case s.cfg.MaxConnections > 0 && len(s.conns)+s.carried >= s.cfg.MaxConnections:
		return http.StatusServiceUnavailable, "too many connections: try again later"
	case s.cfg.MaxConnectionsPerIP > 0 && s.perIP[ip] >= s.cfg.MaxConnectionsPerIP:
		return http.StatusTooManyRequests, "too many connections from this address"
	case s.limiter != nil && !s.limiter.Allow():
		return http.StatusTooManyRequests, "too many new connections: try again later"
	}
	return 0, ""
}

// releaseIPLocked gives back one place of ip; s.mu is held.
func (s *Server) releaseIPLocked(ip string) {
	if n := s.perIP[ip] - 1; n > 0 {
		s.perIP[ip] = n
	} else {
		delete(s.perIP, ip)
	}
}

// opened counts c among the open connections once it is upgraded.
func (s *Server) opened(*Conn) {
	s.mu.Lock()
	s.open++
	s.mu.Unlock()
}

// release removes c from the registry; it runs on every exit path.
func (s *Server) release(c *Conn) {
	if s.released != nil {
		defer s.released(c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	s.releaseIPLocked(c.ip)
	if c.upgraded.Load() {
		s.open--
		c.ep.metrics.disconnected()
	}
	if s.closing && len(s.conns) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// Shutdown closes every stream with 1001 "server shutting down" after its
// queued frames, cancels the handlers' contexts and waits until every
// handler returned and every connection is released, or ctx ends (then the
// remaining connections are dropped without a close handshake and ctx's
// error is returned). Requests that arrive afterwards get HTTP 503.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		if len(s.conns) == 0 {
			close(s.drained)
		}
	}
	conns := s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(StatusGoingAway, "server shutting down", true)
	}
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		conns = s.snapshot()
		s.mu.Unlock()
		cause := fmt.Errorf("ws: shutdown deadline: %w", ctx.Err())
		for _, c := range conns {
			c.abort(cause, StatusGoingAway)
		}
		return fmt.Errorf("ws: shutdown: %w", ctx.Err())
	}
}

func (s *Server) snapshot() []*Conn {
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

// checkHandshake returns the HTTP status and text for a request that is not
// a valid WebSocket opening handshake, 0 for one that is.
func checkHandshake(w http.ResponseWriter, r *http.Request) (int, string) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return http.StatusUpgradeRequired, "this is a WebSocket endpoint: send a GET request with Connection: Upgrade and Upgrade: websocket"
	}
	if !r.ProtoAtLeast(1, 1) {
		return http.StatusUpgradeRequired, "WebSocket requires HTTP/1.1"
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return http.StatusMethodNotAllowed, "WebSocket upgrade requires GET"
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return http.StatusBadRequest, "unsupported Sec-WebSocket-Version: only 13 is supported"
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if err != nil || len(key) != 16 {
		return http.StatusBadRequest, "invalid Sec-WebSocket-Key"
	}
	return 0, ""
}

// headerSize is the size of r's request line and header fields as they
// were sent (give or take the spelling of the line ends).
func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed applies the same rule as coder/websocket's Accept (which
// checks again): no Origin header (not a browser), the request's own host,
// or a host matching one of patterns.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
