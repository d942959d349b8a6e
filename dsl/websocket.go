package dsl

import (
	"strings"
	"time"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// The slow-consumer policies of SendQueue.
const (
	// Disconnect closes a connection whose send queue is full (the client
	// reconnects with backoff). It is the default.
	Disconnect = expr.SlowConsumerDisconnect
	// DropOldest drops the oldest queued message to make room; the
	// connection stays open.
	DropOldest = expr.SlowConsumerDropOldest
)

// WebSocket sets Duplex's WebSocket settings of a streaming method. It must
// appear in the method's HTTP block; settings not given keep their
// defaults (1 MiB read limit, 25s heartbeat, 60s timeout, 256-message send
// queue, disconnect slow consumers).
//
//	HTTP(func() {
//		GET("/rooms/{room}")
//		WebSocket(func() {
//			Subprotocol("chat.v1")
//			Heartbeat(10*time.Second, 30*time.Second)
//			Resumable()
//		})
//	})
func WebSocket(fn func()) {
	ep, ok := eval.Current().(*expr.HTTPEndpointExpr)
	if !ok {
		incompatible("WebSocket", "the HTTP block of a Method")
		return
	}
	if ep.WebSocket != nil {
		eval.ReportError("method %q: WebSocket is defined twice (first at %s): merge the two blocks", ep.MethodExpr.Name, ep.WebSocket.Pos)
		return
	}
	ep.WebSocket = &expr.WebSocketExpr{Pos: eval.Caller()}
	eval.Execute(fn, ep.WebSocket)
}

func currentWebSocket(fn string) *expr.WebSocketExpr {
	ws, ok := eval.Current().(*expr.WebSocketExpr)
	if !ok {
		incompatible(fn, "a WebSocket block")
		return nil
	}
	return ws
}

// Subprotocol lists the subprotocols the endpoint accepts in
// Sec-WebSocket-Protocol, in order of preference.
func Subprotocol(names ...string) {
	ws := currentWebSocket("Subprotocol")
	if ws == nil {
		return
	}
	for _, n := range names {
		if !isToken(n) {
			eval.ReportError("Subprotocol %q%s is not a valid token: use letters, digits and !#$%%&'*+-.^_`|~ only", n, methodSuffix())
			continue
		}
		ws.Subprotocols = append(ws.Subprotocols, n)
	}
}

// ReadLimit sets the largest message the endpoint reads, in bytes; a larger
// message closes the connection with 1009.
func ReadLimit(bytes int64) {
	ws := currentWebSocket("ReadLimit")
	if ws == nil {
		return
	}
	if bytes <= 0 {
		eval.ReportError("ReadLimit%s must be positive, got %d", methodSuffix(), bytes)
		return
	}
	ws.ReadLimit = bytes
}

// Heartbeat sets the ping interval and how long the peer may stay silent
// before the connection is considered dead.
func Heartbeat(interval, timeout time.Duration) {
	ws := currentWebSocket("Heartbeat")
	if ws == nil {
		return
	}
	if interval <= 0 || timeout <= 0 {
		eval.ReportError("Heartbeat%s: interval and timeout must be positive", methodSuffix())
		return
	}
	if timeout <= interval {
		eval.ReportError("Heartbeat%s: timeout (%s) must be longer than the interval (%s)", methodSuffix(), timeout, interval)
		return
	}
	ws.HeartbeatInterval, ws.HeartbeatTimeout = interval, timeout
}

// Resumable makes the stream resumable for clients that negotiate Duplex's
// extended wire: sequence numbers, acknowledgements and resume tokens.
func Resumable() {
	if ws := currentWebSocket("Resumable"); ws != nil {
		ws.Resumable = true
	}
}

// SendQueue sets the per-connection send queue size and what happens when
// it is full: Disconnect or DropOldest.
func SendQueue(size int, policy string) {
	ws := currentWebSocket("SendQueue")
	if ws == nil {
		return
	}
	if size <= 0 {
		eval.ReportError("SendQueue%s: size must be positive, got %d", methodSuffix(), size)
		return
	}
	if policy != Disconnect && policy != DropOldest {
		eval.ReportError("SendQueue%s: unknown policy %q: use Disconnect or DropOldest", methodSuffix(), policy)
		return
	}
	ws.SendQueue, ws.SlowConsumer = size, policy
}

// WriteDelay makes the stream's queued messages wait d for the ones that
// follow, so that a burst (a busy room) goes out in fewer writes: fewer
// system calls for d of latency. It must be positive and under a second.
func WriteDelay(d time.Duration) {
	ws := currentWebSocket("WriteDelay")
	if ws == nil {
		return
	}
	if d <= 0 || d >= time.Second {
		eval.ReportError("WriteDelay%s must be positive and under a second (it is added to every message's latency), got %s", methodSuffix(), d)
		return
	}
	ws.WriteDelay = d
}

// isToken reports whether s is an RFC 7230 token, as Sec-WebSocket-Protocol
// requires.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}
