// Package closereason is how every carrier ends a stream: the close code
// and reason an error ends it with (Of), the reason cut to what a
// WebSocket close frame can carry (Truncate; RFC 6455 section 5.5: 125
// bytes of payload, 2 of them the code), for package ws's close frames and
// the end frames and events of ws/resume, mux and sse alike.
package closereason

import (
	"errors"
	"unicode/utf8"

	"github.com/coder/websocket"

	duplex "duplex.dev"
)

// Max is the longest close reason a close frame can carry, in bytes.
const Max = 123

// Truncate cuts s to Max bytes, on a rune boundary.
func Truncate(s string) string {
	if len(s) <= Max {
		return s
	}
	i := Max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// Of returns the close code and reason a stream ends with because of err,
// on every carrier (a WebSocket's close frame, a resumable or multiplexed
// stream's end frame, an event stream's end event): the code and reason
// of a close error in err's chain (one with a CloseFrame method, such as
// *ws.CloseError, or coder/websocket's) when the code may be sent in a
// close frame; else the close code of err's duplex.Code with err's text.
// ok is false when err has neither (an internal error: 1011, whose
// detail is not sent).
func Of(err error) (code int, reason string, ok bool) {
	var f interface{ CloseFrame() (int, string) }
	if errors.As(err, &f) {
		if code, reason := f.CloseFrame(); sendable(code) {
			return code, reason, true
		}
	}
	var wce websocket.CloseError
	if errors.As(err, &wce) && sendable(int(wce.Code)) {
		return int(wce.Code), wce.Reason, true
	}
	if c := duplex.CodeOf(err); c != duplex.CodeInternal {
		return c.CloseCode(), err.Error(), true
	}
	return 0, "", false
}

// sendable reports whether code may appear in a close frame (RFC 6455
// section 7.4).
func sendable(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
