package security

import "errors"

// UnauthenticatedError is a request refused by a service's auth method
// (BasicAuth, APIKeyAuth, JWTAuth, OAuth2Auth) with an error that carries no
// status of its own, such as errors.New("invalid token"). Transports answer
// it with 401 before a stream is upgraded (close 4501 after), with the
// error's text as the message: write it for the client.
type UnauthenticatedError struct {
	// Err is the auth method's error.
	Err error
}

// Error returns the auth method's message.
func (e *UnauthenticatedError) Error() string { return e.Err.Error() }

// Unwrap returns the auth method's error.
func (e *UnauthenticatedError) Unwrap() error { return e.Err }

// Unauthenticated classifies the error an auth method returned; generated
// endpoints call it. nil stays nil. An error that names itself (a typed
// design error, a duplex.ServiceError, a transport error: anything with an
// ErrorName or GoaErrorName method in its chain) is returned unchanged, so
// the status the design gives it applies. Any other error means the
// credentials were refused and is wrapped in an *UnauthenticatedError, so
// it is answered with 401 instead of 500.
func Unauthenticated(err error) error {
	if err == nil {
		return nil
	}
	var named interface{ ErrorName() string }
	var goaNamed interface{ GoaErrorName() string }
	var already *UnauthenticatedError
	if errors.As(err, &named) || errors.As(err, &goaNamed) || errors.As(err, &already) {
		return err
	}
	return &UnauthenticatedError{Err: err}
}
