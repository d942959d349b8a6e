package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	duplex "duplex.dev"
	"duplex.dev/internal/jsondepth"
)

// maxBodyBytes bounds the request and response bodies read by this package.
const maxBodyBytes = 1 << 20

// DecodeBody decodes the JSON body of r into a new T. An empty body, a body
// that is not JSON or does not fit T is a *duplex.Error of CodeInvalid (400) naming the problem, and
// so is a body nested deeper than jsondepth.Max ("decode request body: nested
// deeper than 64 levels"), refused before it is decoded (see jsondepth.Check).
func DecodeBody[T any](r *http.Request) (T, error) {
	var v T
	if r.Body == nil || r.Body == http.NoBody {
		return v, duplex.NewError(duplex.CodeInvalid, duplex.MissingPayload, "missing request body")
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
			return v, duplex.NewError(duplex.CodeInvalid, duplex.MissingPayload, "missing request body")
		}
		return v, duplex.NewError(duplex.CodeInvalid, duplex.DecodePayload, "decode request body: %w", err)
	}
	return v, nil
}
