package sse

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// Server runs event streams next to a ws.Server, whose endpoint settings,
// logger and metrics they share, and holds the sessions of resumable
// ones. Create it with NewServer; Shutdown ends every stream.
type Server struct {
	ws          *ws.Server
	grace       time.Duration
	replay      int
	maxSessions int
	maxPerIP    int // sessions of one client address
	maxPerSubj  int // sessions of one subject (credentials)

	seq      atomic.Uint64
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	sessions map[string]*session
	perIP    map[string]int // sessions by client address
	perSubj  map[string]int // sessions by subject
	closing  bool
	handlers sync.WaitGroup // handlers running, in any goroutine
}

// Option configures a Server.
type Option func(*Server)

// WithGrace sets how long the session of a resumable stream outlives its
// connection, waiting for the client to come back with Last-Event-ID
// (default resume.DefaultConfig().Grace, 30 s).
func WithGrace(d time.Duration) Option { return func(s *Server) { s.grace = d } }

// WithReplay sets how many of its last events a resumable stream keeps
// for a client that comes back (default resume.DefaultConfig's
// ReplayMessages, 1024); a Last-Event-ID older than those is answered 410.
func WithReplay(n int) Option { return func(s *Server) { s.replay = n } }

// WithMaxSessions bounds the resumable sessions the Server holds,
// connected or waiting for their client (default resume.DefaultConfig's
// MaxSessions); one more is refused with 503.
func WithMaxSessions(n int) Option { return func(s *Server) { s.maxSessions = n } }

// WithMaxSessionsPer bounds the resumable sessions of one client address
// and of one subject (defaults: resume.DefaultConfig's MaxSessionsPerIP and
// MaxSessionsPerSubject, as on a WebSocket; 0: no limit); one more is
// refused with 429. A request that resumes a session takes no new place.
func WithMaxSessionsPer(ip, subject int) Option {
	return func(s *Server) { s.maxPerIP, s.maxPerSubj = ip, subject }
}

// NewServer returns a Server whose streams take their endpoint's settings
// from wsrv (ws.Server.Carrier).
func NewServer(wsrv *ws.Server, opts ...Option) *Server {
	d := resume.DefaultConfig()
	s := &Server{
		ws: wsrv, grace: d.Grace, replay: d.ReplayMessages, maxSessions: d.MaxSessions,
		maxPerIP: d.MaxSessionsPerIP, maxPerSubj: d.MaxSessionsPerSubject,
		conns: map[*Conn]struct{}{}, sessions: map[string]*session{},
		perIP: map[string]int{}, perSubj: map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Len returns the number of open event streams.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Sessions returns the number of resumable sessions held, connected or
// waiting for their client.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// StatusError is a request refused before its stream started: the HTTP
// status and the text answered.
type StatusError struct {
	Status int
	Reason string
}

func (e *StatusError) Error() string { return e.Reason }

// Handle serves one event-stream request with h, which runs in a goroutine
// of its own and sends with the Stream it is given. Nothing is written
// until h's first use of the Stream (Send, SendRaw, Close, Fail, Start): an
// error h returns before that is returned by Handle, for the caller to
// answer as HTTP (401, 403 …). Requests the server refuses itself (it is
// shutting down, a Last-Event-ID is malformed or too old) are answered
// here, and Handle returns nil.
//
// On a resumable method (resumable true) the stream is a session bound to
// subject: h runs once per session and outlives the request, every event
// has an id, and a request with Last-Event-ID attaches to the session it
// names and gets the later events; h's first use then returns
// resume.ErrResumed and h should return.
func (s *Server) Handle(w http.ResponseWriter, r *http.Request, ep *ws.Endpoint, resumable bool, subject string,
	h func(ctx context.Context, st *Stream) error) error {
	return s.handle(w, r, ep, resumable, subject, false, h)
}

// HandleGoa is Handle on Goa's wire (Goa's ServerSentEvents): events are
// sent with Stream.SendEvent, there are no heartbeat comments (Goa's
// client reads each as an empty event) and no end event: the stream ends
// with the response. It is not resumable; Last-Event-ID is the method's.
func (s *Server) HandleGoa(w http.ResponseWriter, r *http.Request, ep *ws.Endpoint,
	h func(ctx context.Context, st *Stream) error) error {
	return s.handle(w, r, ep, false, "", true, h)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, ep *ws.Endpoint, resumable bool, subject string, goa bool,
	h func(ctx context.Context, st *Stream) error) error {
	car := s.ws.Carrier(ep)
	var last *eventID
	if v := r.Header.Get("Last-Event-ID"); v != "" && resumable {
		id, err := parseEventID(v)
		if err != nil {
			refuse(w, r, car, http.StatusBadRequest, err.Error())
			return nil
		}
		last = &id
	}
	// The stream takes a place among the WebSocket server's connections
	// (MaxConnections, MaxConnectionsPerIP, the upgrade rate), given back
	// when Handle returns: the client left, the stream ended, or shutdown.
	release := car.Admit(w, r)
	if release == nil {
		return nil // refused as an upgrade would be (503, 429)
	}
	defer release()
	c := newConn(ep.Service+"-sse-"+strconv.FormatUint(s.seq.Add(1), 36), w, r, car)
	c.goa = goa
	if !s.admit(c) {
		refuse(w, r, car, http.StatusServiceUnavailable, "server shutting down")
		return nil
	}
	defer s.release(c)
	defer s.handlers.Done()
	st := &Stream{srv: s, conn: c, car: car, resumable: resumable, subject: subject, last: last, started: make(chan struct{})}
	st.ctx, st.cancel = c.ctx, c.cancel
	if resumable {
		// A session's handler outlives the request: its context ends
		// with the session, not with the request.
		st.ctx, st.cancel = context.WithCancelCause(context.WithoutCancel(r.Context()))
	}
	done := make(chan error, 1)
	s.handlers.Add(1)
	begun := time.Now()
	go func() {
		defer s.handlers.Done()
		err := run(car.Logger(), c.id, func() error { return h(st.ctx, st) })
		if sess := st.session(); sess != nil {
			sess.end(err)
			return
		}
		if !resumable && st.isStarted() {
			c.closeWith(endStatus(err))
		}
		done <- err
	}()
	// wait returns the handler's error once it returned (only once).
	var herr error
	returned := false
	wait := func() error {
		if !returned {
			herr, returned = <-done, true
		}
		return herr
	}

	select {
	case <-st.started:
	case herr = <-done:
		returned = true
	case <-r.Context().Done():
		// The client left before the stream started: the handler's
		// context ends, and nothing is answered.
		st.cancel(errClientGone)
		select {
		case <-st.started:
		case herr = <-done:
			returned = true
		}
		if !st.isStarted() {
			return nil
		}
	}
	if !st.isStarted() {
		st.cancel(errRefused)
		return herr
	}
	if err := st.startErr; err != nil && !errors.Is(err, resume.ErrResumed) {
		st.cancel(err)
		var se *StatusError
		if errors.As(err, &se) {
			refuse(w, r, car, se.Status, se.Reason)
		} else {
			refuse(w, r, car, http.StatusServiceUnavailable, err.Error())
		}
		_ = wait()
		return nil
	}
	car.Opened()
	code := c.serve()
	car.Closed(code, time.Since(begun))
	if !resumable {
		logEnd(car.Logger(), c, code, wait())
		return nil
	}
	// A stream that ended without an end event leaves its session waiting
	// for the client to resume, for the grace period.
	st.attached.detach(c)
	if st.session() == nil {
		_ = wait() // a resume: the request's own handler returned ErrResumed
	}
	return nil
}

// errRefused ends the context of a handler whose request it refused.
var errRefused = errors.New("sse: the request was refused")

func refuse(w http.ResponseWriter, r *http.Request, car *ws.Carrier, status int, reason string) {
	http.Error(w, reason, status)
	car.Refused(r, status, reason)
}

func logEnd(log *slog.Logger, c *Conn, code ws.StatusCode, err error) {
	if err != nil && !errors.Is(err, context.Canceled) && code != ws.StatusAbnormal {
		log.Warn("event stream handler failed", "id", c.id, "err", err)
	}
}

// run calls h, recovering a panic as the WebSocket server does.
func run(log *slog.Logger, id string, h func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("stream handler panicked", "id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = &ws.CloseError{Code: ws.StatusInternalError, Reason: "internal error"}
		}
	}()
	return h()
}

func (s *Server) admit(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.handlers.Add(1) // Handle's own goroutine
	return true
}

func (s *Server) release(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown ends every stream with the end event 1001 "server shutting
// down" after its queued events, ends every session (their handlers'
// contexts are cancelled with resume.ErrManagerClosed), and waits for
// every handler to return, or for ctx to end. Requests that arrive
// afterwards get 503.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(ws.StatusGoingAway, "server shutting down")
	}
	for _, ss := range sessions {
		ss.cancel(resume.ErrManagerClosed)
	}
	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.kill(fmt.Errorf("sse: shutdown deadline: %w", ctx.Err()))
		}
		return fmt.Errorf("sse: shutdown: %w", ctx.Err())
	}
}

// newToken returns a session token: 128 random bits, base64url.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Refused records that the caller of Handle answered r with an HTTP error
// (Handle returned the handler's error before the stream started), as
// ws.Server.Refused does.
func (s *Server) Refused(r *http.Request, ep *ws.Endpoint, status int) {
	s.ws.Refused(r, ep, status)
}
