package transport

// Names the external tests use for what users never call.
var (
	BearerToken  = bearerToken
	MissingParam = missingParam
	Unauthorized = unauthorized
	WriteError   = writeError
	WriteJSON    = writeJSON
)

const (
	IdempotencyKeyHeader = idempotencyKeyHeader
	ViewHeader           = viewHeader
)

type UsageError = usageError

type ErrorBody = errorBody

func Parse[T Scalar](name, raw string) (T, error) { return parseScalar[T](name, raw) }
