package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	duplex "duplex.dev"
	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// Stream returns the handler of a streaming method. decode reads the
// payload (its parameters and credentials) before the upgrade, nil when
// the method has none; input builds the endpoint's input from the payload
// and the stream; endpoint runs the method on wsrv. An error the method
// returns before its first use of the stream (failed authorization, an
// invalid parameter), like decode's, is answered as HTTP with writeError
// and spec.Statuses, as a unary method's would be; after the upgrade,
// errors are close frames with the close code of their duplex.Code (see
// closeErrorFor), the error's message as the reason.
//
// With mgr (a Resumable() method), a client that offers the duplex.v1
// subprotocol gets a resumable session from mgr, bound to the payload
// (see resumeSubject): the method runs once per session, and a resume
// attaches to the running one, the method's first use of the stream then
// failing with resume.ErrResumed. Errors the method returns after its
// first use end the session with the same close codes. Any other
// client gets the default wire. spec.Endpoint must then accept
// resume.Subprotocol (ws.Config.Subprotocols).
func Stream[P, S, R any](wsrv *ws.Server, mgr *resume.Manager, spec *StreamSpec[S, R], endpoint duplex.Endpoint,
	decode func(*http.Request) (P, error), input func(P, *ServerStream[S, R]) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, ok := decodePayload(w, r, decode, spec.Statuses)
		if !ok {
			return
		}
		run := func(ctx context.Context, c Carrier) error {
			_, err := endpoint(ctx, input(payload, &ServerStream[S, R]{c: c, spec: spec}))
			return err
		}
		// plain serves the default wire: errors after the upgrade close
		// with the code their status maps to (closeErrorFor).
		plain := func(ctx context.Context, c *ws.Conn) error {
			err := run(ctx, serverConn{c})
			if c.Upgraded() {
				return closeErrorFor(err, spec.Statuses)
			}
			return err
		}
		var err error
		if ms := multiplex.From(r); ms != nil {
			err = serveMultiplexed(ms, wsrv, spec, run)
		} else if mgr != nil && offers(r, resume.Subprotocol) {
			err = serveResumable(w, r, wsrv, mgr, spec, resumeSubject(payload), run, plain)
		} else {
			err = wsrv.Handle(w, r, spec.Endpoint, plain)
		}
		if err != nil {
			refuse(w, r, wsrv, spec.Endpoint, err, spec.Statuses)
		}
	})
}

// decodePayload reads a stream request's payload with decode (none when
// decode is nil), answering the request with its error.
func decodePayload[P any](w http.ResponseWriter, r *http.Request, decode func(*http.Request) (P, error), statuses Statuses) (P, bool) {
	var payload P
	if decode == nil {
		return payload, true
	}
	payload, err := decode(r)
	if err != nil {
		writeError(w, err, statuses)
		return payload, false
	}
	return payload, true
}

// serveResumable serves a request that offers duplex.v1: the resumable
// layer between the connection and the stream.
func serveResumable[S, R any](w http.ResponseWriter, r *http.Request, wsrv *ws.Server, mgr *resume.Manager, spec *StreamSpec[S, R],
	subject string, run func(context.Context, Carrier) error, plain func(context.Context, *ws.Conn) error) error {
	return wsrv.Handle(w, r, spec.Endpoint, func(ctx context.Context, c *ws.Conn) error {
		if c.ChosenSubprotocol() != resume.Subprotocol {
			return plain(ctx, c) // the endpoint does not accept duplex.v1: default wire
		}
		return mgr.Serve(c, subject, func(ctx context.Context, sess *resume.Session) error {
			started := new(atomic.Bool)
			err := run(ctx, sessionCarrier{sess: sess, conn: c, started: started})
			if !started.Load() {
				return err // before the upgrade: answered as HTTP
			}
			return closeErrorFor(err, spec.Statuses)
		})
	})
}

// refuse answers a stream request that the method refused before the
// upgrade as HTTP, and has the server log and count the refusal.
func refuse(w http.ResponseWriter, r *http.Request, wsrv *ws.Server, ep *ws.Endpoint, err error, statuses Statuses) {
	status, _, _ := statuses.Resolve(err)
	wsrv.Refused(r, ep, status)
	writeError(w, err, statuses)
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
// the close code a client can act on, on both wires: the close code of the
// duplex.Code of the status it resolves to (4501 for 401 and 403, 4029 for
// 429, 1007 for 400, 1009 for 413, 1008 for other 4xx), with the error's
// message as the reason. A *ws.CloseError and a 5xx pass through (the
// carrier closes 1011 "internal error" and logs the detail).
func closeErrorFor(err error, statuses Statuses) error {
	var ce *ws.CloseError
	if err == nil || errors.As(err, &ce) {
		return err
	}
	status, body, _ := statuses.Resolve(err)
	code := duplex.CodeForStatus(status)
	if code == duplex.CodeInternal {
		return err
	}
	reason := err.Error()
	if b, ok := body.(errorBody); ok {
		reason = b.Message
	}
	return &ws.CloseError{Code: ws.StatusCode(code.CloseCode()), Reason: reason}
}

// resumeSubject returns the subject a resumable session is bound to for a
// request with this decoded payload (its parameters and credentials): a
// hash, so that only a resume presenting the same credentials and
// parameters can attach to the session. A nil payload binds to no subject.
func resumeSubject(payload any) string {
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
