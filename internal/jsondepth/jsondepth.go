// Package jsondepth bounds the nesting of JSON text before it is decoded:
// one allocation-free pass over the bytes, run by every decoder of the
// runtime (ws.Decode for frames, the unary bodies and responses of package
// transport).
package jsondepth

import (
	"fmt"

	"duplex.dev/internal/defaults"
)

// Max is the deepest nesting of JSON arrays and objects a message may
// have (see Check). It is not configurable: no design needs more, and
// the cost of a decode grows with it.
const Max = defaults.MaxDepth

// Error is the error of a message nested deeper than Limit levels.
type Error struct{ Limit int }

// Error returns "nested deeper than N levels".
func (e *Error) Error() string {
	return fmt.Sprintf("nested deeper than %d levels", e.Limit)
}

// Check returns a *Error if the JSON text b nests arrays and
// objects deeper than Max, and nil otherwise (b need not be valid
// JSON: the decoder reports its other errors). It reads b once, without
// allocating, and runs before any decoding: a generated UnmarshalJSON
// decodes its own sub-document again at each level of nesting (unions,
// recursive types with required attributes), so decoding costs up to
// depth × size, which the limit keeps linear in the size. Decode, Receive
// (server and client, plain and resumable) and the unary bodies of package
// transport all check it.
func Check(b []byte) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			// Skip the string: brackets inside it do not nest.
			for i++; i < len(b); i++ {
				if c := b[i]; c == '\\' {
					i++
				} else if c == '"' {
					break
				}
			}
		case '[', '{':
			depth++
			if depth > Max {
				return &Error{Limit: Max}
			}
		case ']', '}':
			if depth > 0 { // unbalanced: invalid JSON, the decoder's error
				depth--
			}
		}
	}
	return nil
}
