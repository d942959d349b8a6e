package ws

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/coder/websocket"

	duplex "duplex.dev"
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4). Application
// codes follow one rule so no client has to guess: 4000–4499 mean "reconnect
// with backoff", 4500–4999 mean "do not reconnect".
type StatusCode int

// Close codes the runtime sends or interprets.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	StatusNoStatus        StatusCode = 1005 // never sent: no code in the close frame
	StatusAbnormal        StatusCode = 1006 // never sent: the connection dropped
	StatusInvalidPayload  StatusCode = 1007
	StatusPolicyViolation StatusCode = 1008
	StatusMessageTooBig   StatusCode = 1009
	StatusInternalError   StatusCode = 1011
	StatusServiceRestart  StatusCode = 1012
	StatusTryAgainLater   StatusCode = 1013
	StatusBadGateway      StatusCode = 1014

	// StatusSlowConsumer closes a connection whose send queue overflowed
	// under the Disconnect policy; a fresh connection may keep up, so
	// clients reconnect.
	StatusSlowConsumer StatusCode = 4000
	// StatusRateLimited closes a connection that sent messages faster than
	// its rate limit (WithMessageRate, WithSubjectMessageRate); the client
	// reconnects with backoff and sends more slowly.
	StatusRateLimited StatusCode = 4029
	// StatusResumeFailed ends a resumable stream that cannot be resumed
	// (expired or unknown token, replay buffer overflowed); reconnecting
	// with the same token cannot help.
	StatusResumeFailed StatusCode = 4500
	// StatusUnauthorized ends a stream whose credentials expired or were
	// revoked; reconnecting with them cannot help.
	StatusUnauthorized StatusCode = 4501
)

func (c StatusCode) String() string {
	switch c {
	case StatusNormalClosure:
		return "normal closure"
	case StatusGoingAway:
		return "going away"
	case StatusProtocolError:
		return "protocol error"
	case StatusUnsupportedData:
		return "unsupported data"
	case StatusNoStatus:
		return "no status"
	case StatusAbnormal:
		return "abnormal closure"
	case StatusInvalidPayload:
		return "invalid payload"
	case StatusPolicyViolation:
		return "policy violation"
	case StatusMessageTooBig:
		return "message too big"
	case StatusInternalError:
		return "internal error"
	case StatusServiceRestart:
		return "service restart"
	case StatusTryAgainLater:
		return "try again later"
	case StatusBadGateway:
		return "bad gateway"
	case StatusSlowConsumer:
		return "slow consumer"
	case StatusRateLimited:
		return "rate limited"
	case StatusResumeFailed:
		return "resume failed"
	case StatusUnauthorized:
		return "unauthorized"
	}
	return strconv.Itoa(int(c))
}

// Retryable reports whether a client should reconnect after a close with
// this code: 1001, 1006, 1011–1014 and 4000–4499 retry; everything else,
// including 1000, does not.
func (c StatusCode) Retryable() bool {
	switch {
	case c == StatusGoingAway, c == StatusAbnormal:
		return true
	case c >= StatusInternalError && c <= StatusBadGateway:
		return true
	case c >= 4000 && c < 4500:
		return true
	}
	return false
}

// CloseError is the error a stream ends with when a close frame was sent or
// received: the code and the reason a person can act on. One this side
// sent because of an error (a frame Decode refused) wraps it. errors.As
// finds a *duplex.Error in it when the code is one a duplex.Code stands
// for (duplex.CodeForClose: 1007, 1008, 1009, 1011, 4029, 4501), with the
// reason as its message, so duplex.CodeOf classifies a close the client
// received as the server classified the error it closed for.
type CloseError struct {
	Code   StatusCode
	Reason string

	err error // the cause, when this side closed because of one
	// input: the close answers a bad frame (see Decode), so what is still
	// queued for the peer is dropped rather than sent first.
	input bool
}

// CloseFrame returns the code and reason of the close frame.
func (e *CloseError) CloseFrame() (code int, reason string) { return int(e.Code), e.Reason }

// Unwrap returns the error this side closed because of, if any.
func (e *CloseError) Unwrap() error { return e.err }

// As sets a **duplex.Error target to the error the close stands for: the
// *duplex.Error this side closed because of, else one with the code of
// e.Code and e.Reason as its message.
func (e *CloseError) As(target any) bool {
	t, ok := target.(**duplex.Error)
	if !ok {
		return false
	}
	if errors.As(e.err, t) {
		return true
	}
	code, ok := duplex.CodeForClose(int(e.Code))
	if ok {
		*t = &duplex.Error{Code: code, Message: e.Reason}
	}
	return ok
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket closed: %d %v", int(e.Code), e.Code)
	}
	return fmt.Sprintf("websocket closed: %d %v: %s", int(e.Code), e.Code, e.Reason)
}

// CloseStatus returns the close code err carries: the code of a
// *CloseError (or of the library's close error) in its chain, -1 when err
// carries none.
func CloseStatus(err error) StatusCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	var wce websocket.CloseError
	if errors.As(err, &wce) {
		return StatusCode(wce.Code)
	}
	return -1
}
