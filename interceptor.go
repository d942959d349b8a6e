package duplex

// InterceptorInfo is what every generated <Name>Info type offers an
// interceptor, whatever the method: Goa's interface of the same name.
type InterceptorInfo interface {
	// Service returns the name of the service handling the request.
	Service() string
	// Method returns the name of the method handling the request.
	Method() string
	// CallType says whether the interceptor runs around the endpoint call
	// or around one Send or Recv of a stream.
	CallType() InterceptorCallType
	// RawPayload returns the payload of the call: the method payload for a
	// unary call, the message sent for a streaming Send, nil for a
	// streaming Recv (its message is the result of next).
	RawPayload() any
}

// InterceptorCallType is the kind of call an interceptor runs around.
type InterceptorCallType int

const (
	// InterceptorUnary is the call of the endpoint: once per request (for a
	// streaming method, once when the stream opens).
	InterceptorUnary InterceptorCallType = iota
	// InterceptorStreamingSend is one Send on a stream.
	InterceptorStreamingSend
	// InterceptorStreamingRecv is one Recv on a stream.
	InterceptorStreamingRecv
)
