package resume

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"duplex.dev/internal/closereason"
	"duplex.dev/internal/ratelimit"
	"duplex.dev/ws"
)

// Handler runs one resumable stream. It runs once per session, whatever
// the number of connections the client needed; ctx ends when the session
// ends (the client closed, the grace period passed, a buffer overflowed,
// the Manager closed). Returning ends the server's side of the stream:
// nil as a normal end (the client's Receive returns io.EOF), an error as a
// close frame would carry it.
type Handler func(ctx context.Context, s *Session) error

// Errors a session ends with; context.Cause of a handler's ctx is one of
// them, or the error that failed the session.
var (
	// ErrExpired: the client did not resume within the grace period.
	ErrExpired = errors.New("resume: session expired: the client did not come back within the grace period")
	// ErrClientClosed: the client abandoned the stream (a close frame).
	ErrClientClosed = errors.New("resume: the client closed the stream")
	// ErrManagerClosed: the Manager was closed.
	ErrManagerClosed = errors.New("resume: server shutting down")
	// errSuperseded stops a connection replaced by a resume.
	errSuperseded = errors.New("resume: connection superseded by a resume")
	// errAbandoned stops a connection whose client sent close.
	errAbandoned = errors.New("resume: the client abandoned the stream")
	// errConnLost is a connection that broke without telling why.
	errConnLost = errors.New("resume: connection lost")
	// errComplete stops a connection whose stream ended normally.
	errComplete = errors.New("resume: stream complete")
	// ErrResumed is what the first use of a Session returns, and the
	// cause of its handler's ctx, when the request turned out to resume
	// another session: that session's handler serves the stream, this one
	// should return (its result is discarded).
	ErrResumed = errors.New("resume: the request resumed a running session")
)

// Manager holds the resumable sessions of a server (one per client stream)
// and serves connections into them. Create it with NewManager, share it
// between the endpoints of a server, and Close it at shutdown.
type Manager struct {
	cfg Config

	mu         sync.Mutex
	sessions   map[string]*Session   // by token
	pending    map[*Session]struct{} // handlers that have not used their session yet
	perIP      map[string]int        // sessions by client address
	perSubject map[string]int        // sessions by subject ("" not counted)
	closed     bool
	wg         sync.WaitGroup // handler goroutines
}

// NewManager returns a Manager configured by opts over DefaultConfig.
func NewManager(opts ...Option) *Manager {
	cfg := DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	cfg.fill()
	return &Manager{cfg: cfg, sessions: make(map[string]*Session), pending: make(map[*Session]struct{}),
		perIP: make(map[string]int), perSubject: make(map[string]int)}
}

// Config returns the Manager's settings.
func (m *Manager) Config() Config { return m.cfg }

// Len returns the number of sessions held, connected or waiting for their
// client to resume.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// Close ends every session (their handlers' contexts are cancelled with
// ErrManagerClosed, connected clients get close 1001) and waits for the
// handlers to return, or for ctx to end. New sessions are refused
// afterwards.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	all := make([]*Session, 0, len(m.sessions)+len(m.pending))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	for s := range m.pending {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		s.terminate(ErrManagerClosed, false)
		s.remove()
	}
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("resume: waiting for handlers: %w", ctx.Err())
	}
}

// Serve runs one request of a resumable stream, from inside a
// ws.Server.Handle handler, before the upgrade. h runs first, in a
// goroutine of its own, as a plain stream's handler does: what it does
// before its first use of the Session (authorization) decides, and an
// error it returns then is returned by Serve before any upgrade, for the
// caller to answer as HTTP (401, 403 …). No session exists, and nothing
// is counted against any limit, until h's first Send, SendRaw, Receive,
// Close, Fail or Start.
//
// At that first use the connection is upgraded and the client's first
// frame read. A hello starts a new session, bound to subject (the
// authenticated caller, "" when there is none), and h goes on as its
// handler, once per session, outliving connections. A resume attaches the
// connection to the running session it names, if that session has the
// same subject; h's first use then fails with ErrResumed and h should
// return: the session's own handler serves the stream. A new session past
// MaxSessions, MaxSessionsPerIP or MaxSessionsPerSubject is refused with
// close 1013.
//
// Serve returns when this connection ends, with nil or the error the
// connection should end with; return it from the ws handler.
func (m *Manager) Serve(c *ws.Conn, subject string, h Handler) error {
	s, err := m.prepare(c, subject)
	if err != nil {
		_ = c.Upgrade() // so that the client reads 1001, "retry", as from a stream cut by the shutdown
		return err
	}
	go s.run(h)
	select {
	case <-s.used:
	case err := <-s.early:
		s.decide(err)
		return err
	case <-c.Context().Done():
		err := context.Cause(c.Context())
		s.decide(err)
		return err
	case <-s.ctx.Done():
		s.decide(context.Cause(s.ctx))
		_ = c.Upgrade()
		return closeErr(ws.StatusGoingAway, "server shutting down")
	}
	if err := c.Upgrade(); err != nil {
		s.decide(err)
		return err
	}
	if c.Subprotocol() != Subprotocol {
		err := closeErr(ws.StatusProtocolError, "resumable stream without the duplex.v1 subprotocol")
		s.decide(err)
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context(), m.cfg.HelloTimeout)
	b, err := c.ReceiveRaw(ctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil && c.Context().Err() == nil {
			err = closeErr(ws.StatusPolicyViolation, "duplex.v1: no hello or resume frame in time")
		}
		s.decide(err)
		return err
	}
	e, err := parse(b)
	if err != nil {
		err = closeErr(ws.StatusProtocolError, err.Error())
		s.decide(err)
		return err
	}
	switch {
	case e.Hello != nil:
		if err := m.open(s); err != nil {
			s.decide(err)
			return err
		}
		gen, _, err := s.p.attach(0)
		if err != nil {
			s.decide(err)
			s.remove()
			return closeErr(ws.StatusResumeFailed, "cannot resume: "+err.Error())
		}
		welcome := envelope{Welcome: &welcomeBody{Token: s.token, Window: m.cfg.ReplayMessages, Grace: int(m.cfg.Grace / time.Second)}}
		if err := c.Send(c.Context(), json.RawMessage(mustJSON(welcome))); err != nil {
			// The client never learnt the token: nobody can resume.
			s.decide(errConnLost)
			s.remove()
			return err
		}
		s.decide(nil)
		return s.serve(c, gen, 0)
	case e.Resume != nil:
		s.decide(ErrResumed)
		target, err := m.lookup(e.Resume.Token, subject)
		if err != nil {
			return err
		}
		return target.resume(c, e.Resume.Last)
	default:
		err := closeErr(ws.StatusProtocolError, "duplex.v1: the first frame must be hello or resume")
		s.decide(err)
		return err
	}
}

// prepare makes the session a request may open, before the upgrade: not
// registered, not counted, no token yet.
func (m *Manager) prepare(c *ws.Conn, subject string) (*Session, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("resume: session id: %w", err)
	}
	s := &Session{
		m: m, id: "resume-" + hex.EncodeToString(id[:]), subject: subject, ip: ratelimit.ClientIP(c.Request()), req: c.Request(), log: c.Logger(),
		p:     newPeer(m.cfg.ReplayMessages, m.cfg.ReplayBytes, m.cfg.Overflow == Fail, m.cfg.AckEvery, m.cfg.AckDelay, m.cfg.ReplayMessages),
		used:  make(chan struct{}),
		early: make(chan error, 1),
		ready: make(chan struct{}),
	}
	// The handler keeps the first request's values (authentication
	// results, loggers), not its cancellation: the session outlives it.
	s.ctx, s.cancel = context.WithCancelCause(context.WithoutCancel(c.Context()))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, closeErr(ws.StatusGoingAway, "server shutting down")
	}
	m.pending[s] = struct{}{}
	m.wg.Add(1) // for s.run, under m.mu so that Close never waits on a zero count being raised
	return s, nil
}

// open registers s as a new session after the client's hello, within the
// Manager's limits.
func (m *Manager) open(s *Session) error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("resume: session token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return closeErr(ws.StatusGoingAway, "server shutting down")
	case len(m.sessions) >= m.cfg.MaxSessions:
		return closeErr(ws.StatusTryAgainLater, fmt.Sprintf("too many resumable sessions (%d)", m.cfg.MaxSessions))
	case m.perIP[s.ip] >= m.cfg.MaxSessionsPerIP:
		return closeErr(ws.StatusTryAgainLater, fmt.Sprintf("too many resumable sessions from this address (%d)", m.cfg.MaxSessionsPerIP))
	case s.subject != "" && m.perSubject[s.subject] >= m.cfg.MaxSessionsPerSubject:
		return closeErr(ws.StatusTryAgainLater, fmt.Sprintf("too many resumable sessions for these credentials (%d)", m.cfg.MaxSessionsPerSubject))
	}
	s.token = base64.RawURLEncoding.EncodeToString(raw[:])
	m.sessions[s.token] = s
	m.perIP[s.ip]++
	if s.subject != "" {
		m.perSubject[s.subject]++
	}
	return nil
}

func (m *Manager) lookup(token, subject string) (*Session, error) {
	m.mu.Lock()
	s := m.sessions[token]
	m.mu.Unlock()
	if s == nil {
		return nil, closeErr(ws.StatusResumeFailed, "cannot resume: unknown or expired session")
	}
	if subtle.ConstantTimeCompare([]byte(s.subject), []byte(subject)) != 1 {
		return nil, closeErr(ws.StatusResumeFailed, "cannot resume: the session belongs to another subject")
	}
	return s, nil
}

// Session is one resumable stream on the server: what its Handler sends
// and receives. Send and Receive are unaffected by reconnections. Send is
// safe from many goroutines; Receive must be called from one at a time.
type Session struct {
	m       *Manager
	id      string
	token   string // set by Manager.open
	subject string
	ip      string
	req     *http.Request
	log     *slog.Logger // the ws.Server's, with the endpoint's names
	p       *peer
	ctx     context.Context
	cancel  context.CancelCauseFunc

	// The handler runs before the session exists (Manager.Serve): its
	// first use closes used and waits for ready, after which startErr
	// (nil: the session is open and live) says whether it may go on.
	useOnce  sync.Once
	used     chan struct{}
	early    chan error // the handler's error, returned before any use
	ready    chan struct{}
	decided  sync.Once
	startErr error
	live     atomic.Bool

	mu         sync.Mutex
	connCancel context.CancelCauseFunc // stops the attached connection
	gen        int                     // generation of the attached connection, 0 when none
	timer      *time.Timer             // grace period or tombstone
	removed    bool
}

// Start opens the session: the connection is upgraded and the client's
// hello or resume read (see Manager.Serve). Send, SendRaw, Receive,
// ReceiveRaw, Close and Fail call it first; call it yourself to open the
// session before doing anything a resuming request should not do. It
// returns ErrResumed when the request resumes another session (return
// from the handler then), or why the session could not open.
func (s *Session) Start() error {
	if s.live.Load() {
		return nil
	}
	s.useOnce.Do(func() { close(s.used) })
	<-s.ready
	return s.startErr
}

// decide ends the handler's wait in Start: nil when the session is open,
// else the error that ended it before it started.
func (s *Session) decide(err error) {
	s.decided.Do(func() {
		s.startErr = err
		if err != nil {
			s.terminate(err, false)
		} else {
			s.live.Store(true)
		}
		s.m.mu.Lock()
		delete(s.m.pending, s)
		s.m.mu.Unlock()
		close(s.ready)
	})
}

// Context returns the session's context: the first request's values,
// cancelled when the session ends.
func (s *Session) Context() context.Context { return s.ctx }

// Request returns the request that opened the session. Read its URL,
// headers and context values only.
func (s *Session) Request() *http.Request { return s.req }

// Send encodes v as JSON and sends it as the session's next message. It
// returns once the message is in the replay buffer: the client gets it on
// this connection or after it resumes. When the buffer is full, the Wait
// policy waits for acknowledgements (or for ctx to end), the Fail policy
// ends the session.
func (s *Session) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("resume: encode message: %w", err)
	}
	if err := s.Start(); err != nil {
		return err
	}
	return s.send(ctx, b, s.m.cfg.Overflow == Fail)
}

func (s *Session) send(ctx context.Context, b []byte, failFull bool) error {
	err := s.p.sendPolicy(ctx, b, nil, failFull)
	if errors.Is(err, errOverflow) {
		s.terminate(err, true)
	}
	return err
}

// SendRaw sends frame, one pre-encoded JSON document, as the session's
// next message, and never waits: it is meant for fan-out (a hub room
// encodes a message once and hands the frame to every member; Session has
// the ID and SendRaw of a hub.Member). When the replay buffer is full the
// session fails, whatever the Overflow policy, as a ws.Conn's send queue
// does under Disconnect; the client's resume then gets 4500. The frame is
// not copied: do not modify it afterwards.
func (s *Session) SendRaw(frame []byte) error {
	if err := s.Start(); err != nil {
		return err
	}
	if !json.Valid(frame) {
		return errors.New("resume: SendRaw: frame is not valid JSON")
	}
	return s.send(context.Background(), frame, true)
}

// ID identifies the session for logs and rooms. It is not the resume
// token, which never leaves the protocol.
func (s *Session) ID() string { return s.id }

// Receive decodes the client's next message into v (see ws.Decode). It
// returns io.EOF once the client ended its side, and the session's error
// when it ended. A message that is not valid JSON for v ends the session
// with ws.Decode's close (an end frame with its code and reason), which
// Receive returns, as a plain stream's would.
func (s *Session) Receive(ctx context.Context, v any) error {
	b, err := s.ReceiveRaw(ctx)
	return decodeInto(b, err, v, s.Fail)
}

// decodeInto decodes the message b, read with err, into v; a message
// ws.Decode refuses ends the stream with fail, on either side.
func decodeInto(b []byte, err error, v any, fail func(error)) error {
	if err != nil {
		return err
	}
	if err := ws.Decode(b, v); err != nil {
		fail(err)
		return err
	}
	return nil
}

// ReceiveRaw returns the client's next message undecoded, with Receive's
// errors.
func (s *Session) ReceiveRaw(ctx context.Context) ([]byte, error) {
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s.p.receive(ctx)
}

// Close ends the server's side of the stream normally, as returning nil
// from the handler does; later Sends fail.
func (s *Session) Close() error { return s.end(nil) }

// Fail ends the server's side of the stream with err, as returning it
// from the handler does: the client's Receive returns a *ws.CloseError
// with the code and reason ws.Conn.Fail would send.
func (s *Session) Fail(err error) { _ = s.end(err) }

// Stats returns the session's replay buffer statistics.
func (s *Session) Stats() Stats { return s.p.stats() }

func (s *Session) end(err error) error {
	if serr := s.Start(); serr != nil {
		return serr
	}
	code, reason := endStatus(err)
	return s.p.send(context.Background(), nil, &endBody{Code: int(code), Reason: reason})
}

func (s *Session) run(h Handler) {
	defer s.m.wg.Done()
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("resume: handler panicked", "session", s.id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = closeErr(ws.StatusInternalError, "internal error")
			}
		}()
		return h(s.ctx, s)
	}()
	select {
	case <-s.used:
	default:
		// The handler returned without using the session: an error is
		// the request's answer (Serve returns it before the upgrade);
		// nil opens the session and ends it at once.
		if err != nil {
			s.early <- err
			return
		}
		if s.Start() != nil {
			return
		}
	}
	if s.ctx.Err() != nil {
		return // the session is over: nobody to tell
	}
	_ = s.end(err) // fails harmlessly when the handler already ended the stream
}

// endStatus maps a handler's error to the code and reason of its end
// frame, as ws.Conn.Fail maps it to a close frame.
func endStatus(err error) (ws.StatusCode, string) {
	if err == nil {
		return ws.StatusNormalClosure, ""
	}
	if code, reason, ok := closereason.Of(err); ok {
		return ws.StatusCode(code), reason
	}
	return ws.StatusInternalError, "internal error"
}

// resume attaches c to s after the client's resume frame.
func (s *Session) resume(c *ws.Conn, last uint64) error {
	if err := s.p.Err(); err != nil {
		return closeErr(ws.StatusResumeFailed, "cannot resume: "+reasonOf(err))
	}
	s.p.mu.Lock()
	sent, acked := s.p.seq, s.p.acked
	s.p.mu.Unlock()
	if last > sent {
		return closeErr(ws.StatusResumeFailed, fmt.Sprintf("cannot resume: the client claims message %d, the server sent %d", last, sent))
	}
	if last < acked {
		return closeErr(ws.StatusResumeFailed, fmt.Sprintf("cannot resume: messages %d–%d are no longer buffered", last+1, acked))
	}
	gen, consumed, err := s.p.attach(last)
	if err != nil {
		return closeErr(ws.StatusResumeFailed, "cannot resume: "+reasonOf(err))
	}
	resumed := envelope{Resumed: &resumedBody{From: last + 1, Ack: consumed, Window: s.m.cfg.ReplayMessages}}
	if err := c.Send(c.Context(), json.RawMessage(mustJSON(resumed))); err != nil {
		s.detached(gen)
		return err
	}
	return s.serve(c, gen, last)
}

// serve runs connection c (generation gen) of the session: a pump writes
// the replay buffer after last and the acknowledgements due, this
// goroutine reads.
func (s *Session) serve(c *ws.Conn, gen int, last uint64) error {
	rctx, rcancel := context.WithCancelCause(c.Context())
	defer rcancel(nil)
	s.mu.Lock()
	if s.removed || s.ctx.Err() != nil {
		s.mu.Unlock()
		return s.closeFor(context.Cause(s.ctx))
	}
	if s.connCancel != nil && s.gen > gen {
		// A newer connection (a resume that overtook this one between
		// attach and here) already serves the session: this one is stale.
		s.mu.Unlock()
		return closeErr(ws.StatusGoingAway, "connection superseded by a resume")
	}
	if s.connCancel != nil {
		s.connCancel(errSuperseded)
	}
	s.connCancel, s.gen = rcancel, gen
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	stop := context.AfterFunc(s.ctx, func() { rcancel(context.Cause(s.ctx)) })
	defer stop()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.p.pump(rctx, gen, last, func(ctx context.Context, f []byte) error {
			return c.Send(ctx, json.RawMessage(f))
		})
		if err != nil {
			rcancel(err)
		}
	}()
	err := s.read(rctx, c)
	rcancel(err)
	wg.Wait()

	switch {
	case errors.Is(err, errComplete):
		s.terminate(errComplete, false)
		s.remove()
		code, reason := s.endCode()
		if code == ws.StatusNormalClosure {
			return nil
		}
		return closeErr(code, reason)
	case errors.Is(err, errSuperseded):
		return closeErr(ws.StatusGoingAway, "connection superseded by a resume")
	case s.ctx.Err() != nil:
		return s.closeFor(context.Cause(s.ctx))
	case errors.Is(err, errAbandoned):
		s.terminate(ErrClientClosed, false)
		s.remove()
		return nil
	}
	var ce *ws.CloseError
	if errors.As(err, &ce) && ce.Code == ws.StatusProtocolError {
		s.terminate(fmt.Errorf("protocol error: %s", ce.Reason), true)
		return err
	}
	if errors.As(err, &ce) && refusal(ce.Code) {
		// The connection refused a frame as a plain stream's would
		// (binary, too large, not UTF-8), or the client refused one of
		// ours: no client resumes after that close, and the handler's
		// Receive returns it.
		s.terminate(ce, true)
		return err
	}
	s.detached(gen)
	return err
}

// read applies the client's frames until the connection ends or the
// stream is complete.
func (s *Session) read(ctx context.Context, c *ws.Conn) error {
	for {
		if s.p.allAcked() {
			return errComplete
		}
		b, err := c.ReceiveRaw(ctx)
		if err == nil && len(b) == 0 {
			// No duplex.v1 frame is empty: a client that sends one breaks
			// the protocol (found by FuzzResumeFrames).
			return closeErr(ws.StatusProtocolError, "duplex.v1: empty frame")
		}
		if err != nil {
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				return cause
			}
			return err
		}
		e, err := parse(b)
		if err == nil && e.Close != nil {
			return errAbandoned
		}
		if err == nil {
			err = s.p.onFrame(e)
		}
		if errors.Is(err, errGap) {
			// The client resumes and sends the missing messages again.
			return closeErr(ws.StatusSlowConsumer, "duplex.v1: "+err.Error()+": resume")
		}
		if err != nil {
			return closeErr(ws.StatusProtocolError, "duplex.v1: "+err.Error())
		}
	}
}

func (s *Session) endCode() (ws.StatusCode, string) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if s.p.endCode == 0 {
		return ws.StatusNormalClosure, ""
	}
	return s.p.endCode, s.p.endReason
}

// closeFor is the close error for a connection whose session ended.
func (s *Session) closeFor(cause error) error {
	switch {
	case errors.Is(cause, ErrManagerClosed):
		return closeErr(ws.StatusGoingAway, "server shutting down")
	case errors.Is(cause, errComplete), errors.Is(cause, ErrClientClosed):
		return nil
	}
	return closeErr(ws.StatusResumeFailed, "cannot resume: "+reasonOf(cause))
}

// detached starts the grace period after connection gen dropped.
func (s *Session) detached(gen int) {
	s.p.detach(gen)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || s.removed {
		return
	}
	s.gen, s.connCancel = 0, nil
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(s.m.cfg.Grace, func() {
		s.terminate(ErrExpired, false)
		s.remove()
	})
}

// terminate ends the session with cause: the handler's ctx is cancelled,
// Send and Receive fail, the attached connection is closed. With
// tombstone, the session stays known for the grace period so that a
// resume learns why it cannot.
func (s *Session) terminate(cause error, tombstone bool) {
	s.p.fail(cause)
	s.cancel(cause)
	if !tombstone {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(s.m.cfg.Grace, s.remove)
}

// remove forgets the session.
func (s *Session) remove() {
	s.mu.Lock()
	s.removed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	s.m.mu.Lock()
	if s.token != "" && s.m.sessions[s.token] == s {
		delete(s.m.sessions, s.token)
		if n := s.m.perIP[s.ip] - 1; n > 0 {
			s.m.perIP[s.ip] = n
		} else {
			delete(s.m.perIP, s.ip)
		}
		if s.subject != "" {
			if n := s.m.perSubject[s.subject] - 1; n > 0 {
				s.m.perSubject[s.subject] = n
			} else {
				delete(s.m.perSubject, s.subject)
			}
		}
	}
	s.m.mu.Unlock()
}

// refusal reports whether code is one a bad frame is answered with (see
// ws.Decode): 1003, 1007 or 1009.
func refusal(code ws.StatusCode) bool {
	return code == ws.StatusUnsupportedData || code == ws.StatusInvalidPayload || code == ws.StatusMessageTooBig
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrExpired):
		return "session expired"
	case errors.Is(err, errOverflow):
		return err.Error()
	}
	return err.Error()
}
