package duplex

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ServiceError is the error type service methods and generated code return
// for errors that are not typed design errors. Its fields match Goa's
// ServiceError so implementations written for Goa compile unchanged.
type ServiceError struct {
	// Name is the class of the error, e.g. "missing_field" or a design
	// error name.
	Name string
	// ID is unique to each occurrence of the error, for correlating logs.
	ID string
	// Field names the attribute that caused the error, if any.
	Field *string
	// Message is the specific, human-readable error detail.
	Message string
	// Timeout is true if the error is a timeout.
	Timeout bool
	// Temporary is true if retrying may succeed.
	Temporary bool
	// Fault is true if the error is a server-side fault.
	Fault bool

	history   []*ServiceError
	err       error
	truncated bool // MergeErrors dropped messages past maxMerged
}

// GoaErrorNamer is implemented by generated typed design errors; it exposes
// the error name given in the design. The name is kept from Goa so that
// implementations that use it compile.
type GoaErrorNamer interface {
	GoaErrorName() string
}

// Error names used by the constructors of this package. Validation errors use
// the names from InvalidFieldType to InvalidLength, plus MissingPayload and
// DecodePayload.
const (
	InvalidFieldType     = "invalid_field_type"
	MissingField         = "missing_field"
	InvalidEnumValue     = "invalid_enum_value"
	InvalidFormat        = "invalid_format"
	InvalidPattern       = "invalid_pattern"
	InvalidRange         = "invalid_range"
	InvalidLength        = "invalid_length"
	UnsupportedMediaType = "unsupported_media_type"
	DecodePayload        = "decode_payload"
	MissingPayload       = "missing_payload"
)

// NewServiceError wraps err into a ServiceError with the given name and
// classification; errors.Unwrap returns err.
func NewServiceError(err error, name string, timeout, temporary, fault bool) *ServiceError {
	return &ServiceError{
		Name:      name,
		ID:        NewErrorID(),
		Message:   err.Error(),
		Timeout:   timeout,
		Temporary: temporary,
		Fault:     fault,
		err:       err,
	}
}

// Fault returns a server-side fault error named "fault" with a message
// formatted as by fmt.Sprintf.
func Fault(format string, args ...any) *ServiceError {
	return newError("fault", false, false, true, format, args...)
}

// PermanentError returns an error named name that retrying will not fix.
func PermanentError(name, format string, args ...any) *ServiceError {
	return newError(name, false, false, false, format, args...)
}

// TemporaryError returns an error named name that retrying may fix.
func TemporaryError(name, format string, args ...any) *ServiceError {
	return newError(name, false, true, false, format, args...)
}

// PermanentTimeoutError returns a timeout error named name that retrying
// will not fix.
func PermanentTimeoutError(name, format string, args ...any) *ServiceError {
	return newError(name, true, false, false, format, args...)
}

// TemporaryTimeoutError returns a timeout error named name that retrying may
// fix.
func TemporaryTimeoutError(name, format string, args ...any) *ServiceError {
	return newError(name, true, true, false, format, args...)
}

// MissingPayloadError is returned by generated code when a request lacks its
// required payload.
func MissingPayloadError() error {
	return PermanentError(MissingPayload, "missing required payload")
}

// DecodePayloadError is returned by generated code when a payload cannot be
// decoded; msg says why.
func DecodePayloadError(msg string) error {
	return PermanentError(DecodePayload, "%s", msg)
}

// UnsupportedMediaTypeError is returned when a request body's content type is
// not supported.
func UnsupportedMediaTypeError(ct string) error {
	return PermanentError(UnsupportedMediaType, "unsupported media type %s", ct)
}

// InvalidFieldTypeError is returned by generated code when the value of
// attribute name does not have the type the design declares.
func InvalidFieldTypeError(name string, val any, expected string) error {
	return withField(name, PermanentError(InvalidFieldType,
		"invalid value %#v for %q, must be a %s", val, name, expected))
}

// MissingFieldError is returned by generated code when the required
// attribute name is missing from context (e.g. "body").
func MissingFieldError(name, context string) error {
	return withField(name, PermanentError(MissingField,
		"%q is missing from %s", name, context))
}

// RequiredField is the step generated UnmarshalJSON methods take for each
// required attribute: it copies *src, the attribute as decoded, into *dst,
// or, when the data lacked it (src is nil), returns err merged with a
// MissingFieldError naming name in context.
func RequiredField[T any](err error, src, dst *T, name, context string) error {
	if src == nil {
		return MergeErrors(err, MissingFieldError(name, context))
	}
	*dst = *src
	return err
}

// InvalidEnumValueError is returned by generated code when the value of
// attribute name is not one of allowed.
func InvalidEnumValueError(name string, val any, allowed []any) error {
	elems := make([]string, len(allowed))
	for i, a := range allowed {
		elems[i] = fmt.Sprintf("%#v", a)
	}
	return withField(name, PermanentError(InvalidEnumValue,
		"value of %s must be one of %s but got value %#v", name, strings.Join(elems, ", "), val))
}

// InvalidFormatError is returned by generated code when target, the value of
// attribute name, does not match format; formatErr says why.
func InvalidFormatError(name, target string, format Format, formatErr error) error {
	return withField(name, PermanentError(InvalidFormat,
		"%s must be formatted as a %s but got value %q, %s", name, format, target, formatErr))
}

// InvalidPatternError is returned by generated code when target, the value
// of attribute name, does not match the regular expression pattern.
func InvalidPatternError(name, target, pattern string) error {
	return withField(name, PermanentError(InvalidPattern,
		"%s must match the regexp %q but got value %q", name, pattern, target))
}

// InvalidRangeError is returned by generated code when target, the value of
// attribute name, is below (min true) or above (min false) the bound value.
func InvalidRangeError(name string, target, value any, min bool) error {
	comp := "greater or equal"
	if !min {
		comp = "lesser or equal"
	}
	return withField(name, PermanentError(InvalidRange,
		"%s must be %s than %v but got value %#v", name, comp, value, target))
}

// InvalidLengthError is returned by generated code when the length ln of
// target, the value of attribute name, is below (min true) or above (min
// false) the bound value.
func InvalidLengthError(name string, target any, ln, value int, min bool) error {
	comp := "greater or equal"
	if !min {
		comp = "lesser or equal"
	}
	return withField(name, PermanentError(InvalidLength,
		"length of %s must be %s than %d but got value %#v (len=%d)", name, comp, value, target, ln))
}

// NewErrorID returns a random 8-character identifier for an error occurrence.
func NewErrorID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// maxMerged bounds the errors whose messages (and wrapped errors) a merged
// error carries: a validator merges one error per violation, so a message
// holding them all would cost time quadratic in their number (a 1 MiB
// array of invalid elements holds hundreds of thousands) for a reason
// truncated to 123 bytes anyway.
const maxMerged = 100

// MergeErrors merges other into err and returns the result, so generated
// validators can collect every problem of a payload. Either may be nil. The
// result keeps err's name unless err is not a ServiceError, joins both
// messages with "; " (up to 100 merged errors, then "; and more"), and sets
// Timeout, Temporary and Fault only if both errors have them. History
// returns every merged error.
func MergeErrors(err, other error) error {
	if err == nil {
		return other
	}
	if other == nil {
		return err
	}
	e := asServiceError(err)
	o := asServiceError(other)
	if e.Name == "error" {
		e.Name = o.Name
	}
	// History must be read before e changes: it may return e itself.
	n := len(e.History())
	e.history = append(e.History(), o.History()...)
	switch {
	case n < maxMerged:
		e.err = errors.Join(e.err, o.err)
		e.Message = e.Message + "; " + o.Message
	case !e.truncated:
		e.truncated = true
		e.Message += "; and more"
	}
	e.Timeout = e.Timeout && o.Timeout
	e.Temporary = e.Temporary && o.Temporary
	e.Fault = e.Fault && o.Fault
	return e
}

// History returns the errors merged into e, or e alone if none was.
func (e *ServiceError) History() []*ServiceError {
	if len(e.history) > 0 {
		return e.history
	}
	return []*ServiceError{e}
}

// Error returns the error message.
func (e *ServiceError) Error() string { return e.Message }

// ErrorName returns the error name.
func (e *ServiceError) ErrorName() string { return e.Name }

// GoaErrorName returns the error name; it exists so that code written for
// Goa's ServiceError compiles.
func (e *ServiceError) GoaErrorName() string { return e.Name }

// Unwrap returns the error e wraps, if any.
func (e *ServiceError) Unwrap() error { return e.err }

func withField(field string, err *ServiceError) *ServiceError {
	err.Field = &field
	return err
}

func newError(name string, timeout, temporary, fault bool, format string, args ...any) *ServiceError {
	return &ServiceError{
		Name:      name,
		ID:        NewErrorID(),
		Message:   fmt.Sprintf(format, args...),
		Timeout:   timeout,
		Temporary: temporary,
		Fault:     fault,
	}
}

// asServiceError returns the ServiceError in err's chain, or a new fault
// wrapping err: an unexpected error is the server's fault.
func asServiceError(err error) *ServiceError {
	var e *ServiceError
	if errors.As(err, &e) {
		return e
	}
	return &ServiceError{Name: "error", ID: NewErrorID(), Message: err.Error(), Fault: true, err: err}
}
