package security

import (
	"context"

	"duplex.dev/internal/admit"
)

type subjectKey struct{}

// Authenticated records subject (a user id, a token's "sub" claim) as the
// identity the request authenticated as, and returns the context the method
// runs with. Auth functions call it on success:
//
//	return security.Authenticated(ctx, claims.Subject)
//
// The runtime keys its per-subject quotas by it (message rate limits across
// all the connections and requests of one subject): when the subject is over
// a quota, the error says so and the auth function returns it, so the method
// does not run (HTTP 429 with Retry-After for a unary method). Without it a
// request has no subject and per-subject quotas do not apply to it.
func Authenticated(ctx context.Context, subject string) (context.Context, error) {
	ctx = context.WithValue(ctx, subjectKey{}, subject)
	if check, ok := admit.From(ctx); ok && subject != "" {
		if err := check(subject); err != nil {
			return ctx, err
		}
	}
	return ctx, nil
}

// SubjectFromContext returns the subject Authenticated recorded in ctx.
func SubjectFromContext(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(subjectKey{}).(string)
	return s, ok
}
