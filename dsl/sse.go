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

// ServerSentEvents is Goa's: the server→client methods of the HTTP block
// it appears in (the API's, a service's or a method's) are read as
// Server-Sent Events on their path, as Goa's generated clients read them
// (a WebSocket upgrade on the same path still gets the WebSocket stream).
// Each result sent is one event: its data is the whole result as JSON, or
// the attribute a string argument or SSEEventData names (a string raw);
// SSEEventID, SSEEventType and SSEEventRetry name the result attributes
// written as its id:, event: and retry: lines (when not empty or zero);
// SSERequestID names the payload attribute a request's Last-Event-ID is
// copied to. The stream ends when the method returns, with no end event.
//
//	ServerSentEvents(func() {
//		SSEEventID("id")
//		SSEEventType("kind")
//	})
func ServerSentEvents(args ...any) {
	pos := eval.Caller()
	if len(args) > 2 {
		eval.ReportError("ServerSentEvents accepts a data attribute name, a DSL function or both")
		return
	}
	s := &expr.SSEExpr{Pos: pos}
	var fn func()
	for i, a := range args {
		switch a := a.(type) {
		case string:
			if i != 0 || a == "" {
				eval.ReportError("ServerSentEvents: the data attribute name comes first and is not empty")
				return
			}
			s.Data = expr.SSEField{Name: a, Pos: pos}
		case func():
			if i != len(args)-1 {
				eval.ReportError("ServerSentEvents: the DSL function comes last")
				return
			}
			fn = a
		default:
			eval.ReportError("ServerSentEvents accepts a data attribute name (string) and a DSL function, not %T", a)
			return
		}
	}
	switch e := eval.Current().(type) {
	case *expr.HTTPExpr:
		e.SSE = s
	case *expr.HTTPServiceExpr:
		e.SSE = s
	case *expr.HTTPEndpointExpr:
		e.SSE = s
	default:
		incompatible("ServerSentEvents", "an HTTP block")
		return
	}
	if fn != nil {
		eval.Execute(fn, s)
	}
}

// SSEEventData names the result attribute that is each event's data: a
// string is sent as it is, anything else as JSON.
func SSEEventData(name string) {
	sseField("SSEEventData", name, func(s *expr.SSEExpr) *expr.SSEField { return &s.Data })
}

// SSEEventID names the result attribute (a string) written as each event's
// id: line.
func SSEEventID(name string) {
	sseField("SSEEventID", name, func(s *expr.SSEExpr) *expr.SSEField { return &s.ID })
}

// SSEEventType names the result attribute (a string) written as each
// event's event: line.
func SSEEventType(name string) {
	sseField("SSEEventType", name, func(s *expr.SSEExpr) *expr.SSEField { return &s.Type })
}

// SSEEventRetry names the result attribute (an integer, milliseconds)
// written as each event's retry: line.
func SSEEventRetry(name string) {
	sseField("SSEEventRetry", name, func(s *expr.SSEExpr) *expr.SSEField { return &s.Retry })
}

// SSERequestID names the payload attribute (a string) a request's
// Last-Event-ID header is copied to.
func SSERequestID(name string) {
	sseField("SSERequestID", name, func(s *expr.SSEExpr) *expr.SSEField { return &s.RequestID })
}

func sseField(fn, name string, field func(*expr.SSEExpr) *expr.SSEField) {
	s, ok := eval.Current().(*expr.SSEExpr)
	if !ok {
		incompatible(fn, "ServerSentEvents")
		return
	}
	if name == "" {
		eval.ReportError("%s needs the name of an attribute", fn)
		return
	}
	*field(s) = expr.SSEField{Name: name, Pos: eval.Caller()}
}
