package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// ResumableStream is the server side of a stream whose design says
// Resumable(): the same Send, Close and views as ServerStream, over
// duplex.v1 for clients that negotiate it (messages survive reconnections)
// and over the default wire for the others.
type ResumableStream struct {
	plain *ServerStream   // default wire
	sess  *resume.Session // duplex.v1
	conn  *ws.Conn        // the connection that opened sess
	// started: the handler used sess (its errors are close codes from
	// then on).
	started atomic.Bool

	mu   sync.Mutex
	view string
}

// ServeResumableStream serves one request of a resumable method. A client
// that offers the duplex.v1 subprotocol gets a resumable session from mgr
// (h runs once per session; a resume attaches to the running one); any
// other client gets exactly what ServeStream gives it. subject identifies
// the caller the session is bound to (see ResumeSubject); ep must accept
// resume.Subprotocol (ws.WithSubprotocols).
//
// On both wires h runs before the upgrade, and an error it returns before
// its first use of the stream (failed authorization, an invalid
// parameter) is an HTTP response: no connection is upgraded and no session
// exists for a request h refuses. On duplex.v1 the first use reads the
// client's hello or resume: a hello opens a session and h goes on as its
// handler; a resume attaches the connection to the session it names and
// h's first use fails with resume.ErrResumed (h returns, and its result
// is discarded). Errors h returns later end the stream: 401 and 403 as
// close 4501, other 4xx as 1008, with the error's message as the reason.
func ServeResumableStream(w http.ResponseWriter, r *http.Request, wsrv *ws.Server, ep *ws.Endpoint, mgr *resume.Manager,
	subject string, statuses Statuses, h func(ctx context.Context, s *ResumableStream) error) {
	if !offers(r, resume.Subprotocol) {
		ServeStream(w, r, wsrv, ep, statuses, func(ctx context.Context, s *ServerStream) error {
			return h(ctx, &ResumableStream{plain: s})
		})
		return
	}
	err := wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
		if c.ChosenSubprotocol() != resume.Subprotocol {
			// The endpoint does not accept duplex.v1: default wire.
			return h(ctx, &ResumableStream{plain: &ServerStream{conn: c}})
		}
		return mgr.Serve(c, subject, func(ctx context.Context, sess *resume.Session) error {
			rs := &ResumableStream{sess: sess, conn: c}
			err := h(ctx, rs)
			if !rs.started.Load() {
				return err // before the upgrade: answered as HTTP
			}
			return closeErrorFor(err, statuses)
		})
	})
	if err != nil {
		refuse(w, r, wsrv, ep, err, statuses)
	}
}

// offers reports whether the upgrade request asks for subprotocol name.
func offers(r *http.Request, name string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == name {
				return true
			}
		}
	}
	return false
}

// closeErrorFor turns an error a handler would have answered as HTTP into
// the close code a duplex.v1 client can act on.
func closeErrorFor(err error, statuses Statuses) error {
	var ce *ws.CloseError
	if err == nil || errors.As(err, &ce) || ws.IsInvalid(err) {
		return err
	}
	status, body, _ := statuses.Resolve(err)
	reason := err.Error()
	if b, ok := body.(ErrorBody); ok {
		reason = b.Message
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &ws.CloseError{Code: ws.StatusUnauthorized, Reason: reason}
	case status == http.StatusTooManyRequests:
		return &ws.CloseError{Code: ws.StatusRateLimited, Reason: reason}
	case status >= 400 && status < 500:
		return &ws.CloseError{Code: ws.StatusPolicyViolation, Reason: reason}
	}
	return err
}

// ResumeSubject returns the subject a resumable session is bound to for a
// request with this decoded payload (its parameters and credentials): a
// hash, so that only a resume presenting the same credentials and
// parameters can attach to the session. A nil payload binds to no subject.
func ResumeSubject(payload any) string {
	if payload == nil {
		return ""
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Send encodes v and sends it: into the session's replay buffer on
// duplex.v1, on the connection otherwise.
func (s *ResumableStream) Send(ctx context.Context, v any) error {
	if s.sess != nil {
		s.started.Store(true)
		return s.sess.Send(ctx, v)
	}
	return s.plain.Send(ctx, v)
}

// Close ends the server's side of the stream normally.
func (s *ResumableStream) Close() error {
	if s.sess != nil {
		s.started.Store(true)
		return s.sess.Close()
	}
	return s.plain.Close()
}

// View returns the view set with SetView, or def when none was set.
func (s *ResumableStream) View(def string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == "" {
		return def
	}
	return s.view
}

// SetView sets the view results are rendered with from now on; called
// before the first Send, it names the view in the upgrade response's
// goa-view header (see ServerStream.SetView).
func (s *ResumableStream) SetView(view string) {
	s.mu.Lock()
	s.view = view
	s.mu.Unlock()
	if s.plain != nil {
		s.plain.conn.SetUpgradeHeader(ViewHeader, view)
	} else {
		s.conn.SetUpgradeHeader(ViewHeader, view)
	}
}

// Session opens and returns the duplex.v1 session (see resume.Session's
// Start); nil when the client speaks the default wire, or when this
// request resumed a session another handler serves, and then the handler
// should return.
func (s *ResumableStream) Session() *resume.Session {
	if s.sess == nil {
		return nil
	}
	s.started.Store(true)
	if s.sess.Start() != nil {
		return nil
	}
	return s.sess
}

// Conn returns the connection of a default-wire client, nil when the client
// speaks duplex.v1 (whose messages go through the Session).
func (s *ResumableStream) Conn() *ws.Conn {
	if s.sess != nil {
		return nil
	}
	return s.plain.Conn()
}

// receive decodes the client's next message into v, with Recv's rules.
func (s *ResumableStream) receive(ctx context.Context, v any) error {
	if s.sess == nil {
		return s.plain.conn.Receive(ctx, v)
	}
	s.started.Store(true)
	return s.sess.Receive(ctx, v)
}

// fail ends the stream because of err (a validation failure).
func (s *ResumableStream) fail(err error) {
	if s.sess != nil {
		s.started.Store(true)
		s.sess.Fail(err)
		return
	}
	s.plain.conn.Fail(err)
}

// RecvResumable is Recv for a ResumableStream.
func RecvResumable[T any](ctx context.Context, s *ResumableStream, validate func(*T) error) (*T, error) {
	v := new(T)
	if err := s.receive(ctx, v); err != nil {
		return nil, err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			err = ws.Invalid(err)
			s.fail(err)
			return nil, err
		}
	}
	return v, nil
}

// RecvResumableValue is RecvValue for a ResumableStream.
func RecvResumableValue[T any](ctx context.Context, s *ResumableStream, validate func(T) error) (T, error) {
	var v T
	if err := s.receive(ctx, &v); err != nil {
		var zero T
		return zero, err
	}
	if validate != nil {
		if err := validate(v); err != nil {
			err = ws.Invalid(err)
			s.fail(err)
			var zero T
			return zero, err
		}
	}
	return v, nil
}
