package duplex

import "context"

// Endpoint is the transport-independent form of a service method: generated
// code wraps each method of a service into one, and transports call it with a
// decoded payload.
type Endpoint func(ctx context.Context, req any) (res any, err error)

// contextKey is the private type of the context keys defined by this package.
type contextKey int

const (
	// MethodKey is the context key under which generated transport code stores
	// the name of the method, as written in the design, before it calls the
	// endpoint.
	MethodKey contextKey = iota + 1

	// ServiceKey is the context key under which generated transport code stores
	// the name of the service, as written in the design.
	ServiceKey

	// IdempotencyKey is the context key under which the transport stores the
	// request's Idempotency-Key header, when it has one: a method that
	// publishes can pass it on (with the user) so that a retry that reaches
	// another node is stored once too (see hub.WithMessageID).
	IdempotencyKey
)
