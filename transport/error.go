package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	duplex "duplex.dev"
	"duplex.dev/security"
)

// ErrorBody is the JSON body of an error response, the same shape as Goa's
// goahttp.ErrorResponse so Goa clients decode it unchanged.
type ErrorBody struct {
	// Name is the class of the error, such as "missing_field" or "unauthorized".
	Name string `json:"name"`
	// ID identifies this occurrence of the error.
	ID string `json:"id"`
	// Message describes this occurrence for a human.
	Message string `json:"message"`
	// Temporary reports whether retrying may succeed.
	Temporary bool `json:"temporary"`
	// Timeout reports whether the error is a timeout.
	Timeout bool `json:"timeout"`
	// Fault reports whether the server is at fault.
	Fault bool `json:"fault"`
}

// Error is an error with the HTTP status it is answered with. The decoding
// helpers of this package return it; handlers and services may return it too.
type Error struct {
	// Status is the HTTP status code of the response.
	Status int
	// Body is the JSON body of the response.
	Body ErrorBody
	// Err is the underlying cause, if any.
	Err error
}

// Error returns the message of the body.
func (e *Error) Error() string { return e.Body.Message }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorName returns the class of the error, as design errors do.
func (e *Error) ErrorName() string { return e.Body.Name }

// StatusCode returns the HTTP status the error is answered with.
func (e *Error) StatusCode() int { return e.Status }

// NewError returns an *Error with the given status, name and message.
func NewError(status int, name, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Status: status, Body: ErrorBody{Name: name, Message: err.Error()}, Err: errors.Unwrap(err)}
}

// missingParam returns the 400 error for a required parameter that is absent.
// in is where it was expected: "path", "query string" or "header".
func missingParam(name, in string) *Error {
	return NewError(http.StatusBadRequest, "missing_field", "%q is missing from %s", name, in)
}

// invalidParam returns the 400 error for a parameter whose value cannot be
// parsed as the design's type.
func invalidParam(name, value, typ string) *Error {
	return NewError(http.StatusBadRequest, "invalid_field_type", "invalid value %q for %q, must be a %s", value, name, typ)
}

// unauthorized returns the 401 error for missing or malformed credentials.
func unauthorized(format string, args ...any) *Error {
	return NewError(http.StatusUnauthorized, "unauthorized", format, args...)
}

// Invalid returns the 400 error for a payload that fails the design's
// validation, keeping err as the cause.
func Invalid(err error) *Error {
	name := "invalid_payload"
	if n := nameOf(err); n != "" {
		name = n
	}
	return &Error{Status: http.StatusBadRequest, Body: ErrorBody{Name: name, Message: err.Error()}, Err: err}
}

// validationNames are the error names Goa answers with 400.
var validationNames = map[string]bool{
	"missing_payload":    true,
	"decode_payload":     true,
	"invalid_field_type": true,
	"missing_field":      true,
	"invalid_enum_value": true,
	"invalid_format":     true,
	"invalid_pattern":    true,
	"invalid_range":      true,
	"invalid_length":     true,
	"invalid_payload":    true,
}

// isValidation reports whether name is one of the validation error names
// answered with 400.
func isValidation(name string) bool { return validationNames[name] }

func nameOf(err error) string {
	var n interface{ ErrorName() string }
	if errors.As(err, &n) {
		return n.ErrorName()
	}
	var g interface{ GoaErrorName() string }
	if errors.As(err, &g) {
		return g.GoaErrorName()
	}
	return ""
}

// Statuses maps design error names to the HTTP status declared with
// Response(name, status) in the design.
type Statuses map[string]int

// Resolve returns the status and body err is answered with: an *Error keeps
// its own; a *security.UnauthenticatedError (an auth method's plain error)
// is 401 "unauthorized" with the error's text; a *duplex.ServiceError gets Goa's error body with the status
// mapped in s, 400 for validation errors, else 500; a typed design error
// mapped in s gets its status and is encoded as its own value, as Goa does;
// anything else is a 500 fault whose body does not leak the error text.
func (s Statuses) Resolve(err error) (status int, body any, name string) {
	var te *Error
	if errors.As(err, &te) {
		return te.Status, te.Body, te.Body.Name
	}
	var ue *security.UnauthenticatedError
	if errors.As(err, &ue) {
		return http.StatusUnauthorized, ErrorBody{Name: "unauthorized", Message: ue.Error()}, "unauthorized"
	}
	var se *duplex.ServiceError
	if errors.As(err, &se) {
		b := ErrorBody{Name: se.Name, ID: se.ID, Message: se.Message, Temporary: se.Temporary, Timeout: se.Timeout, Fault: se.Fault}
		switch st, ok := s[se.Name]; {
		case ok:
			return st, b, se.Name
		case isValidation(se.Name):
			return http.StatusBadRequest, b, se.Name
		default:
			b.Fault = true
			return http.StatusInternalServerError, b, se.Name
		}
	}
	name = nameOf(err)
	if st, ok := s[name]; ok && name != "" {
		var n interface{ ErrorName() string }
		if errors.As(err, &n) {
			return st, n, name
		}
		var g interface{ GoaErrorName() string }
		if errors.As(err, &g) {
			return st, g, name
		}
	}
	if isValidation(name) {
		return http.StatusBadRequest, ErrorBody{Name: name, Message: err.Error()}, name
	}
	if name != "" {
		return http.StatusInternalServerError, ErrorBody{Name: name, Message: err.Error(), Fault: true}, name
	}
	return http.StatusInternalServerError, ErrorBody{Name: "fault", Message: "internal error", Fault: true}, "fault"
}

// writeError answers the request with err, using s to map design errors to
// their status (s may be nil). The error name goes in the goa-error header,
// as Goa does, so clients can tell design errors apart.
func writeError(w http.ResponseWriter, err error, s Statuses) {
	status, body, name := s.Resolve(err)
	w.Header().Set("goa-error", name)
	_ = writeJSON(w, status, body)
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}
