package dsl

import (
	"math"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// MessageRate caps the messages one connection may send to a streaming
// method at perSecond a second on average, with bursts of burst; a
// connection past it is closed with 4029 (the client reconnects with
// backoff). It must appear in a WebSocket block. Duplex only: Goa has no
// equivalent.
//
//	WebSocket(func() {
//		MessageRate(20, 40)
//	})
func MessageRate(perSecond float64, burst int) {
	ws := currentWebSocket("MessageRate")
	if ws == nil {
		return
	}
	if r := newRate("MessageRate", perSecond, burst); r != nil {
		ws.MessageRate = r
	}
}

// SubjectRate caps what one authenticated subject (the identity its auth
// function gives to security.Authenticated) may send, over all its
// connections and requests: in the WebSocket block of a streaming method,
// its messages (past it the connection is closed with 4029); in the HTTP
// block of a unary method, its requests (past it the answer is 429 with
// Retry-After and the method does not run). Duplex only.
//
//	HTTP(func() {
//		POST("/rooms/{room}/messages")
//		SubjectRate(10, 20)
//	})
func SubjectRate(perSecond float64, burst int) {
	switch e := eval.Current().(type) {
	case *expr.WebSocketExpr:
		if r := newRate("SubjectRate", perSecond, burst); r != nil {
			e.SubjectRate = r
		}
	case *expr.HTTPEndpointExpr:
		if r := newRate("SubjectRate", perSecond, burst); r != nil {
			e.SubjectRate = r
		}
	default:
		incompatible("SubjectRate", "the HTTP block of a Method or a WebSocket block")
	}
}

// newRate checks a rate limit's values, reporting what is wrong at the
// caller's line.
func newRate(fn string, perSecond float64, burst int) *expr.RateExpr {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		eval.ReportError("%s%s: the rate must be a positive number of messages a second, got %g", fn, methodSuffix(), perSecond)
		return nil
	}
	if burst < 1 {
		eval.ReportError("%s%s: the burst must be at least 1, got %d", fn, methodSuffix(), burst)
		return nil
	}
	return &expr.RateExpr{PerSecond: perSecond, Burst: burst, Pos: eval.Caller()}
}
