package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"duplex.dev/internal/jsondepth"
)

// maxBodyBytes bounds the request and response bodies read by this package.
const maxBodyBytes = 1 << 20

// DecodeBody decodes the JSON body of r into a new T. An empty body, a body
// that is not JSON or does not fit T is a 400 *Error naming the problem, and
// so is a body nested deeper than jsondepth.Max ("decode request body: nested
// deeper than 64 levels"), refused before it is decoded (see jsondepth.Check).
func DecodeBody[T any](r *http.Request) (T, error) {
	var v T
	if r.Body == nil || r.Body == http.NoBody {
		return v, NewError(http.StatusBadRequest, "missing_payload", "missing request body")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err == nil {
		err = jsondepth.Check(b)
	}
	if err == nil {
		err = json.NewDecoder(bytes.NewReader(b)).Decode(&v)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return v, NewError(http.StatusBadRequest, "missing_payload", "missing request body")
		}
		return v, &Error{
			Status: http.StatusBadRequest,
			Body:   ErrorBody{Name: "decode_payload", Message: "decode request body: " + err.Error()},
			Err:    err,
		}
	}
	return v, nil
}

// StatusOf returns the HTTP status carried by err (an *Error, or any error
// with a StatusCode method such as a refused WebSocket upgrade), or 0.
func StatusOf(err error) int {
	var s interface{ StatusCode() int }
	if errors.As(err, &s) {
		return s.StatusCode()
	}
	return 0
}
