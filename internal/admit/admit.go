// Package admit carries, in a request's context, the check that
// security.Authenticated runs when an auth function records the subject the
// request authenticated as: the transports (ws, transport) set it to apply
// their per-subject quotas. Applications never see it.
package admit

import "context"

type admitKey struct{}

// OnAuthenticated returns a context in which security.Authenticated calls
// admit with the subject, and fails with admit's error.
func OnAuthenticated(ctx context.Context, admit func(subject string) error) context.Context {
	return context.WithValue(ctx, admitKey{}, admit)
}

// From returns the function OnAuthenticated put in ctx, if any.
func From(ctx context.Context) (func(subject string) error, bool) {
	admit, ok := ctx.Value(admitKey{}).(func(string) error)
	return admit, ok
}
