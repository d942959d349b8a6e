package security

import (
	"errors"

	duplex "duplex.dev"
)

// Unauthenticated classifies the error an auth method (BasicAuth,
// APIKeyAuth, JWTAuth, OAuth2Auth) returned; generated endpoints call it.
// nil stays nil. An error that names itself (a typed design error, a
// duplex.ServiceError, a *duplex.Error: anything with an ErrorName or
// GoaErrorName method in its chain) is returned unchanged, so the status
// the design or its code gives it applies. Any other error, such as
// errors.New("invalid token"), means the credentials were refused: it is
// wrapped in a *duplex.Error of duplex.CodeUnauthenticated named
// "unauthorized", answered with 401 before a stream is upgraded (close
// 4501 after) with the error's text as the message: write it for the
// client.
func Unauthenticated(err error) error {
	if err == nil {
		return nil
	}
	var named interface{ ErrorName() string }
	var goaNamed interface{ GoaErrorName() string }
	if errors.As(err, &named) || errors.As(err, &goaNamed) {
		return err
	}
	return &duplex.Error{Code: duplex.CodeUnauthenticated, Name: "unauthorized", Message: err.Error(), Err: err}
}
