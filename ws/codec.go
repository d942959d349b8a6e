package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	duplex "duplex.dev"
	"duplex.dev/internal/closereason"
	"duplex.dev/internal/jsondepth"
)

// The codec: how every stream kind (plain and resumable, server side and
// client side) turns a text frame into a message, and the one answer each
// bad frame gets, whichever side reads it (DESIGN.md, "Bad input and
// faults"): a close with the code and reason below, sent to the peer and
// returned by the Receive that read the frame.

// reasonBinary is the reason of the 1003 close that answers a binary
// frame.
const reasonBinary = "binary frames are not supported; send JSON text"

// reasonTooBig is the reason of the 1009 close that answers a frame above
// the read limit.
func reasonTooBig(limit int64) string {
	return fmt.Sprintf("message too big: the limit is %d bytes", limit)
}

// Decode decodes the JSON text frame into v as json.Unmarshal does,
// strictly (the frame must be exactly one JSON value of v's type). A frame
// it refuses is answered with the *CloseError it returns, the same on
// every stream: 1007 "invalid JSON: nested deeper than 64 levels" when
// the frame nests deeper than jsondepth.Max, 64 (checked before decoding, see
// internal/jsondepth), 1007 "invalid JSON: …" naming the problem when the frame
// is not JSON or not JSON of v's type, 1007 and the validation error's text
// (naming the attribute) when v's UnmarshalJSON reports a failed validation
// (duplex.CodeOf is duplex.CodeInvalid). The *CloseError wraps the decoder's error.
// Conn.Receive, ClientConn.Receive and the
// resumable streams of package resume decode with it and end the stream
// with that close.
func Decode(frame []byte, v any) error {
	if err := decode(frame, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError is the close that answers a frame decode refused with err.
func decodeError(err error) *CloseError {
	if duplex.CodeOf(err) == duplex.CodeInvalid {
		// A generated UnmarshalJSON found a required attribute missing:
		// the reason names it, as for any failed validation.
		return &CloseError{Code: StatusInvalidPayload, Reason: closereason.Truncate(err.Error()), err: err, input: true}
	}
	return &CloseError{Code: StatusInvalidPayload, Reason: closereason.Truncate("invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")), err: err, input: true}
}

// StrictUnmarshaler is a json.Unmarshaler that rejects any input that is
// not exactly one valid JSON value, as one whose UnmarshalJSON decodes with
// json.Unmarshal does. Receive hands such a value the frame directly,
// without the validating pass json.Unmarshal makes before it calls
// UnmarshalJSON (which then validates the frame once more itself).
type StrictUnmarshaler interface {
	json.Unmarshaler
	// StrictJSON marks the type; it is never called.
	StrictJSON()
}

// decode decodes the JSON frame b into v as json.Unmarshal does, with the
// same errors. A json.Unmarshaler is called directly: json.Unmarshal would
// scan the frame twice (validation, then finding the value's end) before
// calling it, and a generated UnmarshalJSON decodes with json.Unmarshal,
// which scans it twice again. Unless v is a StrictUnmarshaler, one
// validating pass (json.Valid) is kept, so that v never sees invalid JSON.
func decode(b []byte, v any) error {
	if err := jsondepth.Check(b); err != nil {
		return err
	}
	if s, ok := v.(StrictUnmarshaler); ok {
		return s.UnmarshalJSON(b) // it skips JSON whitespace itself
	}
	u, ok := v.(json.Unmarshaler)
	if !ok {
		return json.Unmarshal(b, v)
	}
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return json.Unmarshal(b, v) // its error: v is not a usable pointer
	}
	if !json.Valid(b) {
		return json.Unmarshal(b, v) // its syntax error
	}
	// json.Unmarshal hands UnmarshalJSON the value without the whitespace
	// around it; in valid JSON, TrimSpace trims exactly that.
	return u.UnmarshalJSON(bytes.TrimSpace(b))
}
