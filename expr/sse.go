package expr

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
