package closereason_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/internal/closereason"
	"duplex.dev/ws"
)

// TestOfIsOneMappingForEveryCarrier pins what ws's close frames and the
// end frames of ws/resume, mux and sse are made of.
func TestOfIsOneMappingForEveryCarrier(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("handler: %w", fmt.Errorf("layer: %w", err)) }
	cases := []struct {
		name   string
		err    error
		code   int
		reason string
		ok     bool
	}{
		{"a close error", wrap(&ws.CloseError{Code: 4029, Reason: "slow down"}), 4029, "slow down", true},
		{"the library's close error", wrap(websocket.CloseError{Code: 1008, Reason: "policy"}), 1008, "policy", true},
		{"a code that no close frame carries", &ws.CloseError{Code: ws.StatusAbnormal, Reason: "cut"}, 0, "", false},
		{"a duplex error", wrap(duplex.NewError(duplex.CodeInvalid, "bad", "text: too long")), 1007, "handler: layer: text: too long", true},
		{"a validation error", duplex.MissingFieldError("text", "body"), 1007, `"text" is missing from body`, true},
		{"too many", duplex.NewError(duplex.CodeResourceExhausted, "quota", "too many rooms"), 4029, "too many rooms", true},
		{"an internal error", errors.New("database down"), 0, "", false},
	}
	for _, tc := range cases {
		code, reason, ok := closereason.Of(tc.err)
		if code != tc.code || reason != tc.reason || ok != tc.ok {
			t.Errorf("%s: Of = %d %q %v, want %d %q %v", tc.name, code, reason, ok, tc.code, tc.reason, tc.ok)
		}
	}
}
