package ws

// Test hooks and names the external tests use; users never call them.
var (
	WithRetrySleep  = withRetrySleep
	WithRetryRand   = withRetryRand
	ErrSlowConsumer = errSlowConsumer
)

const MaxRetryAfter = maxRetryAfter
