package expr

import (
	"slices"
	"strings"
)

// EventStream reports whether the method can also be read as Server-Sent
// Events (text/event-stream on its own path, for requests that ask for
// it): it streams from server to client only, and SSEFallback was given
// in the method, its service or the API.
func (m *MethodExpr) EventStream(api *APIExpr) bool {
	if m.Stream != ServerStreamKind {
		return false
	}
	return m.SSEFallbackPos.Line > 0 || (m.Service != nil && m.Service.SSEFallback) || (api != nil && api.SSEFallback)
}

// SSEExpr is Goa's ServerSentEvents: a server→client method whose
// clients read it as Server-Sent Events (its path without a WebSocket
// upgrade), each event built from one result as Goa builds it. The
// fields name result attributes (Data the payload attribute for
// Last-Event-ID); "" for none.
type SSEExpr struct {
	// Data is the result attribute that is each event's data (SSEEventData
	// or ServerSentEvents("name")); "" sends the whole result as JSON.
	Data SSEField
	// ID, Type and Retry are the result attributes written as the id:,
	// event: and retry: lines (SSEEventID, SSEEventType, SSEEventRetry).
	ID, Type, Retry SSEField
	// RequestID is the payload attribute a request's Last-Event-ID header
	// is copied to (SSERequestID).
	RequestID SSEField
	// Pos is where ServerSentEvents was called.
	Pos Pos
}

// SSEField is an attribute named in ServerSentEvents and where.
type SSEField struct {
	Name string
	Pos  Pos
}

// GoaSSE returns the ServerSentEvents that applies to the method: its own,
// else its service's, else the API's for a server→client method; nil for
// none.
func (e *HTTPEndpointExpr) GoaSSE(api *APIExpr) *SSEExpr {
	if e.SSE != nil {
		return e.SSE
	}
	if e.MethodExpr.Stream != ServerStreamKind {
		return nil
	}
	if e.Service != nil && e.Service.SSE != nil {
		return e.Service.SSE
	}
	if api != nil && api.HTTP != nil {
		return api.HTTP.SSE
	}
	return nil
}

// sse checks the ServerSentEvents that apply to the endpoint, as Goa does:
// a server→client method, and attributes that exist with the types Goa
// writes (id and event strings, retry an integer, the request ID a
// string payload attribute).
func (v *validator) sse(e *HTTPEndpointExpr) {
	m := e.MethodExpr
	if e.SSE != nil && m.Stream != ServerStreamKind {
		v.errorf(e.SSE.Pos, "method %q: ServerSentEvents needs a server→client stream (StreamingResult without StreamingPayload), not %s: remove it or change the method", m.Name, m.Stream)
		return
	}
	s := e.GoaSSE(v.root.API)
	if s == nil {
		return
	}
	if m.SSEFallbackPos.Line > 0 {
		v.errorf(m.SSEFallbackPos, "method %q: SSEFallback and ServerSentEvents both make it an event stream: keep one", m.Name)
	}
	ints := []DataType{Int, Int32, Int64, UInt, UInt32, UInt64}
	v.sseField(m, m.Result, s.Data, "SSEEventData", "result", nil)
	v.sseField(m, m.Result, s.ID, "SSEEventID", "result", []DataType{String})
	v.sseField(m, m.Result, s.Type, "SSEEventType", "result", []DataType{String})
	v.sseField(m, m.Result, s.Retry, "SSEEventRetry", "result", ints)
	v.sseField(m, m.Payload, s.RequestID, "SSERequestID", "payload", []DataType{String})
}

func (v *validator) sseField(m *MethodExpr, att *AttributeExpr, f SSEField, fn, what string, types []DataType) {
	if f.Name == "" {
		return
	}
	var obj *Object
	if att != nil {
		obj = AsObject(att.Type)
	}
	if obj == nil {
		v.errorf(f.Pos, "method %q: %s(%q) needs an object %s with that attribute; the %s is not an object", m.Name, fn, f.Name, what, what)
		return
	}
	a := obj.Attribute(f.Name)
	if a == nil {
		v.errorf(f.Pos, "method %q: %s(%q) names no attribute of the %s: fix the name", m.Name, fn, f.Name, what)
		return
	}
	if len(types) > 0 && !slices.Contains(types, a.Type) {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = t.Name()
		}
		v.errorf(f.Pos, "method %q: %s(%q): the attribute is %s, it must be %s", m.Name, fn, f.Name, a.Type.Name(), strings.Join(names, " or "))
	}
}
