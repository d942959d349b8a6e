package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// SSEFallback lets clients read server→client streams (StreamingResult
// without StreamingPayload) as Server-Sent Events as well as over a
// WebSocket: a request to the method's path with "Accept:
// text/event-stream" gets a text/event-stream response, for clients behind
// proxies that strip WebSocket upgrades and for the browser's EventSource.
// Parameters, credentials and their errors are the WebSocket endpoint's;
// on a Resumable method each event has an id and Last-Event-ID resumes
// where the client was (docs/protocol.md, "Server-Sent Events").
//
// It is a Duplex extension (Goa's ServerSentEvents replaces the WebSocket
// instead). Call it in the API or a Service for all their server→client
// methods, or in a Method, which must then stream from server to client.
func SSEFallback() {
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		e.SSEFallback = true
	case *expr.ServiceExpr:
		e.SSEFallback = true
	case *expr.MethodExpr:
		e.SSEFallbackPos = eval.Caller()
	default:
		incompatible("SSEFallback", "the API, a Service or a Method")
	}
}
