package mux_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"duplex.dev/transport"
	"duplex.dev/ws"
)

// TestBadFrameEndsOnlyItsStream sends the same bad messages on a per-call
// socket and on a stream of a multiplexed connection: the stream ends with
// the same close code and reason as the socket, and another stream of the
// connection goes on.
func TestBadFrameEndsOnlyItsStream(t *testing.T) {
	a := newAPI(t, apiOption{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	perCall, muxed := a.dialer(t, true), a.dialer(t, false)
	bystander, err := dialEcho(ctx, muxed)
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close()
	nested := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	for _, tc := range []struct {
		name string
		msg  any
		code ws.StatusCode
	}{
		{"failed validation", map[string]any{"text": "no author"}, ws.StatusInvalidPayload},
		{"wrong type", map[string]any{"author": "a", "text": 5}, ws.StatusInvalidPayload},
		{"too deep", jsonRaw(nested), ws.StatusInvalidPayload},
		{"above the method's read limit", map[string]any{"author": "a", "text": strings.Repeat("x", 2000)}, ws.StatusMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := func(d *transport.Dialer) *ws.CloseError {
				s, err := transport.Dial[any, string](ctx, d, "test echo", "/echo", nil, nil, false)
				if err != nil {
					t.Fatal(err)
				}
				st := s.(*transport.ClientStream[any, string])
				defer st.Close()
				if err := st.SendWithContext(ctx, tc.msg); err != nil {
					t.Fatalf("send: %v", err)
				}
				_, err = st.RecvWithContext(ctx)
				var ce *ws.CloseError
				if !errors.As(err, &ce) {
					t.Fatalf("recv: %v, want a close", err)
				}
				return ce
			}
			want, got := end(perCall), end(muxed)
			if want.Code != tc.code || got.Code != want.Code || got.Reason != want.Reason {
				t.Errorf("multiplexed stream ended %d %q; per-call socket %d %q; want both %d with the same reason",
					got.Code, got.Reason, want.Code, want.Reason, tc.code)
			}
			if err := bystander.SendWithContext(ctx, &note{Author: ptr("a"), Text: tc.name}); err != nil {
				t.Fatalf("other stream: send: %v", err)
			}
			if got, err := bystander.RecvWithContext(ctx); err != nil || got != tc.name {
				t.Fatalf("other stream: got %q, %v", got, err)
			}
		})
	}
}

// jsonRaw is a pre-encoded JSON message.
type jsonRaw string

func (r jsonRaw) MarshalJSON() ([]byte, error) { return []byte(r), nil }
