package security

import "context"

type subjectKey struct{}

type authenticatedKey struct{}

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
	if admit, ok := ctx.Value(authenticatedKey{}).(func(string) error); ok && subject != "" {
		if err := admit(subject); err != nil {
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

// OnAuthenticated returns a context in which Authenticated calls admit with
// the subject, and fails with admit's error. Transports use it to apply
// per-subject quotas; applications have no need for it.
func OnAuthenticated(ctx context.Context, admit func(subject string) error) context.Context {
	return context.WithValue(ctx, authenticatedKey{}, admit)
}
