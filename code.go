package duplex

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error the same way on every wire: each code has the
// HTTP status it is answered with before a stream is upgraded (and by a
// unary method) and the WebSocket close code it ends a stream with after
// the upgrade. CodeOf finds the code of any error, on the server and on
// the client.
type Code int

// The codes Duplex's wire tells apart. The zero Code is CodeInternal.
const (
	CodeInternal          Code = iota // 500, close 1011: the server's fault; the detail is logged, not sent
	CodeInvalid                       // 400, close 1007: input that is malformed or fails the design's validation
	CodeUnauthenticated               // 401, close 4501: missing, invalid or expired credentials
	CodePermissionDenied              // 403, close 4501: credentials that do not allow the call
	CodeRefused                       // 409 (any other 4xx), close 1008: a request the service will not carry out
	CodeTooLarge                      // 413, close 1009: a message larger than a limit
	CodeResourceExhausted             // 429, close 4029: a rate limit or quota; retry later, more slowly
)

// codes is the one table from a code to its name and wire values.
var codes = [...]struct {
	name   string
	status int
	close  int
}{
	CodeInternal:          {"internal", http.StatusInternalServerError, 1011},
	CodeInvalid:           {"invalid", http.StatusBadRequest, 1007},
	CodeUnauthenticated:   {"unauthenticated", http.StatusUnauthorized, 4501},
	CodePermissionDenied:  {"permission_denied", http.StatusForbidden, 4501},
	CodeRefused:           {"refused", http.StatusConflict, 1008},
	CodeTooLarge:          {"too_large", http.StatusRequestEntityTooLarge, 1009},
	CodeResourceExhausted: {"resource_exhausted", http.StatusTooManyRequests, 4029},
}

func (c Code) valid() bool { return c >= 0 && int(c) < len(codes) }

// String returns the code's name, such as "invalid".
func (c Code) String() string {
	if !c.valid() {
		return fmt.Sprintf("code(%d)", int(c))
	}
	return codes[c].name
}

// HTTPStatus returns the status an error with this code is answered with
// before the upgrade (500 for an unknown code). A design's
// Response(name, status) for the error's name takes precedence.
func (c Code) HTTPStatus() int {
	if !c.valid() {
		return http.StatusInternalServerError
	}
	return codes[c].status
}

// CloseCode returns the WebSocket close code an error with this code ends
// a stream with after the upgrade (1011 for an unknown code).
func (c Code) CloseCode() int {
	if !c.valid() {
		return 1011
	}
	return codes[c].close
}

// CodeForStatus returns the code of an HTTP error status: the code whose
// status it is, CodeRefused for any other 4xx, else CodeInternal.
func CodeForStatus(status int) Code {
	for c := range codes {
		if codes[c].status == status {
			return Code(c)
		}
	}
	if status >= 400 && status < 500 {
		return CodeRefused
	}
	return CodeInternal
}

// CodeForClose returns the code of a WebSocket close code, false for a
// close no code ends a stream with (1000, 1001, 1006, 4000 …). 4501 is
// CodeUnauthenticated.
func CodeForClose(closeCode int) (Code, bool) {
	for c := range codes {
		if codes[c].close == closeCode {
			return Code(c), true
		}
	}
	return CodeInternal, false
}

// Error is an error with a Code. Return one from a method (or an auth
// function, or an interceptor) to choose the HTTP status and close code
// it is answered with; clients get one back: errors.As finds it in what a
// unary call, a dial or a stream returns when the server answered with an
// error status or a close code that a Code stands for.
type Error struct {
	// Code classifies the error.
	Code Code
	// Name is the error's class on the wire (the Goa error name and the
	// goa-error header), such as "rate_limited"; empty means the code's name.
	Name string
	// Message says what went wrong in words a person can act on; it is the
	// response's message and the close reason (truncated to 123 bytes).
	Message string
	// Temporary reports whether retrying later may succeed.
	Temporary bool
	// Err is the cause, if any.
	Err error
}

// NewError returns an *Error with code, name and a message formatted as by
// fmt.Errorf: a %w verb makes its operand the cause.
func NewError(code Code, name, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Name: name, Message: err.Error(), Err: errors.Unwrap(err)}
}

// Error returns the message (the cause's when there is none).
func (e *Error) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Code.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorName returns Name, or the code's name when Name is empty.
func (e *Error) ErrorName() string {
	if e.Name != "" {
		return e.Name
	}
	return e.Code.String()
}

// CodeOf returns the code of err, looked for through every layer with
// errors.As: the Code of an *Error (a client's error for a received close
// or error response is one); CodeInvalid for a *ServiceError (or a typed
// design error) named like a validation error (see the constants above
// NewServiceError; a merged error if every error merged into it is);
// CodeInternal for any other error, nil included.
func CodeOf(err error) Code {
	if err == nil {
		return CodeInternal
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var se *ServiceError
	if errors.As(err, &se) {
		for _, h := range se.History() {
			if !validationNames[h.Name] {
				return CodeInternal
			}
		}
		return CodeInvalid
	}
	var n interface{ ErrorName() string }
	var g GoaErrorNamer
	if errors.As(err, &n) && validationNames[n.ErrorName()] || errors.As(err, &g) && validationNames[g.GoaErrorName()] {
		return CodeInvalid
	}
	return CodeInternal
}

// validationNames are the error names of invalid input, answered with 400
// as Goa does.
var validationNames = map[string]bool{
	InvalidFieldType: true, MissingField: true, InvalidEnumValue: true, InvalidFormat: true,
	InvalidPattern: true, InvalidRange: true, InvalidLength: true, DecodePayload: true,
	MissingPayload: true, "invalid_payload": true,
}
