package expr

// ServiceExpr is a service declared with Service.
type ServiceExpr struct {
	// Name is the service name.
	Name string
	// Description documents the service.
	Description string
	// Methods are the service methods in declaration order.
	Methods []*MethodExpr
	// Errors are the service-wide errors; Finalize copies them to every
	// method.
	Errors []*ErrorExpr
	// Requirements are the service-wide security requirements.
	Requirements []*SecurityExpr
	// SSEFallback is set with SSEFallback in the service: its
	// server→client methods can also be read as Server-Sent Events.
	SSEFallback bool
	// Meta is set with Meta.
	Meta MetaExpr
	// ServerInterceptors and ClientInterceptors apply to every method of
	// the service (ServerInterceptor, ClientInterceptor in Service).
	ServerInterceptors, ClientInterceptors []*InterceptorExpr
	// DSLFunc is the design function given to Service.
	DSLFunc func()
	// Pos is where Service was called.
	Pos Pos
}

// Method returns the method with the given name or nil.
func (s *ServiceExpr) Method(name string) *MethodExpr {
	for _, m := range s.Methods {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Error returns the service error with the given name or nil.
func (s *ServiceExpr) Error(name string) *ErrorExpr {
	for _, e := range s.Errors {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// StreamKind says which side of a method streams.
type StreamKind int

// The stream kinds.
const (
	// NoStreamKind is a unary method.
	NoStreamKind StreamKind = iota + 1
	// ClientStreamKind is StreamingPayload without StreamingResult.
	ClientStreamKind
	// ServerStreamKind is StreamingResult without StreamingPayload.
	ServerStreamKind
	// BidirectionalStreamKind is StreamingPayload and StreamingResult.
	BidirectionalStreamKind
)

// String returns "unary", "client", "server" or "bidirectional".
func (k StreamKind) String() string {
	switch k {
	case ClientStreamKind:
		return "client"
	case ServerStreamKind:
		return "server"
	case BidirectionalStreamKind:
		return "bidirectional"
	}
	return "unary"
}

// MethodExpr is a method declared with Method.
type MethodExpr struct {
	// Name is the method name.
	Name string
	// Description documents the method.
	Description string
	// Payload is the non-streaming payload (Empty after Finalize when none).
	Payload *AttributeExpr
	// Result is the result; for server and bidirectional streams it is the
	// streamed type (Empty after Finalize when none).
	Result *AttributeExpr
	// StreamingPayload is the type the client streams (Empty after
	// Finalize when none).
	StreamingPayload *AttributeExpr
	// Stream says which side streams (NoStreamKind for unary methods).
	Stream StreamKind
	// Errors are the method errors followed, after Finalize, by the
	// service errors.
	Errors []*ErrorExpr
	// Requirements are the security requirements; after Finalize they are
	// inherited from the service, then the API, and empty for NoSecurity.
	Requirements []*SecurityExpr
	// Service is the service the method belongs to.
	Service *ServiceExpr
	// Meta is set with Meta.
	Meta MetaExpr
	// ServerInterceptors and ClientInterceptors are the interceptors of the
	// method; after Prepare they are followed by those of the service, then
	// the API, without duplicates (Goa's precedence).
	ServerInterceptors, ClientInterceptors []*InterceptorExpr
	// Pos is where Method was called.
	Pos Pos
	// ResultPos and StreamingPayloadPos are where StreamingResult (or
	// Result) and StreamingPayload were called; zero when not.
	ResultPos, StreamingPayloadPos Pos
	// SSEFallbackPos is where SSEFallback was called in the method; zero
	// when not.
	SSEFallbackPos Pos
}

// Position returns where the method was declared.
func (m *MethodExpr) Position() Pos { return m.Pos }

// IsStreaming reports whether the method streams in either direction.
func (m *MethodExpr) IsStreaming() bool {
	return m.Stream == ClientStreamKind || m.Stream == ServerStreamKind || m.Stream == BidirectionalStreamKind
}

// IsPayloadStreaming reports whether the client streams (client or
// bidirectional stream).
func (m *MethodExpr) IsPayloadStreaming() bool {
	return m.Stream == ClientStreamKind || m.Stream == BidirectionalStreamKind
}

// IsResultStreaming reports whether the server streams (server or
// bidirectional stream).
func (m *MethodExpr) IsResultStreaming() bool {
	return m.Stream == ServerStreamKind || m.Stream == BidirectionalStreamKind
}

// Error returns the method error with the given name or nil (service errors
// included after Finalize).
func (m *MethodExpr) Error(name string) *ErrorExpr {
	for _, e := range m.Errors {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// ErrorExpr is an error declared with Error.
type ErrorExpr struct {
	// AttributeExpr describes the error's type (ErrorResult by default).
	*AttributeExpr
	// Name is the error name ("unauthorized").
	Name string
	// Pos is where Error was called.
	Pos Pos
}
