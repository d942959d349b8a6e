package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	duplex "duplex.dev"
)

// errorBody is the JSON body of an error response, the same shape as Goa's
// goahttp.ErrorResponse so Goa clients decode it unchanged.
type errorBody struct {
	Name      string `json:"name"`
	ID        string `json:"id"`
	Message   string `json:"message"`
	Temporary bool   `json:"temporary"`
	Timeout   bool   `json:"timeout"`
	Fault     bool   `json:"fault"`
}

// missingParam returns the 400 error for a required parameter that is absent.
// in is where it was expected: "path", "query string" or "header".
func missingParam(name, in string) *duplex.Error {
	return duplex.NewError(duplex.CodeInvalid, duplex.MissingField, "%q is missing from %s", name, in)
}

// invalidParam returns the 400 error for a parameter whose value cannot be
// parsed as the design's type.
func invalidParam(name, value, typ string) *duplex.Error {
	return duplex.NewError(duplex.CodeInvalid, duplex.InvalidFieldType, "invalid value %q for %q, must be a %s", value, name, typ)
}

// unauthorized returns the 401 error for missing or malformed credentials.
func unauthorized(format string, args ...any) *duplex.Error {
	return duplex.NewError(duplex.CodeUnauthenticated, "unauthorized", format, args...)
}

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

// Resolve returns the status and body err is answered with. The status is
// the one s maps the error's name to, else that of its duplex.CodeOf. A
// *duplex.Error and a *duplex.ServiceError get Goa's error body; a typed
// design error mapped in s is encoded as its own value, as Goa does; an
// error of CodeInternal that names no class is a 500 fault whose body does
// not leak the error text.
func (s Statuses) Resolve(err error) (status int, body any, name string) {
	name = nameOf(err)
	status, mapped := s[name]
	if !mapped || name == "" {
		status = duplex.CodeOf(err).HTTPStatus()
	}
	var de *duplex.Error
	if errors.As(err, &de) {
		name = de.ErrorName()
		if st, ok := s[name]; ok {
			status = st
		}
		return status, errorBody{Name: name, Message: de.Error(), Temporary: de.Temporary, Fault: status >= 500}, name
	}
	var se *duplex.ServiceError
	if errors.As(err, &se) {
		b := errorBody{Name: se.Name, ID: se.ID, Message: se.Message, Temporary: se.Temporary, Timeout: se.Timeout, Fault: se.Fault || !mapped && status >= 500}
		return status, b, se.Name
	}
	if mapped && name != "" {
		var n interface{ ErrorName() string }
		if errors.As(err, &n) {
			return status, n, name
		}
		var g interface{ GoaErrorName() string }
		if errors.As(err, &g) {
			return status, g, name
		}
	}
	if name != "" {
		return status, errorBody{Name: name, Message: err.Error(), Fault: status >= 500}, name
	}
	return status, errorBody{Name: "fault", Message: "internal error", Fault: true}, "fault"
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
