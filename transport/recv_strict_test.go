package transport_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/transport"
)

// card has an UnmarshalJSON written as the generator writes them: it
// decodes with json.Unmarshal and reports a missing required attribute.
// Recv hands it frames without validating them first.
type card struct {
	Title string `json:"title"`
}

func (v *card) UnmarshalJSON(data []byte) error {
	var s struct {
		Title *string `json:"title"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if s.Title == nil {
		return duplex.MissingFieldError("title", "card")
	}
	v.Title = *s.Title
	return nil
}

// TestRecvDecodesGeneratedUnmarshalers checks that a payload with its own
// UnmarshalJSON is decoded (whitespace around it included), and that what
// it rejects closes the stream as json.Unmarshal's errors do.
func TestRecvDecodesGeneratedUnmarshalers(t *testing.T) {
	url, done := servedStream[*card](t, nil, func(ctx context.Context, s *transport.ServerStream[any, *card]) error {
		for {
			c, err := s.RecvWithContext(ctx)
			if err != nil {
				return err
			}
			if err := s.SendWithContext(ctx, c.Title); err != nil {
				return err
			}
		}
	})
	c := dialServed(t, url)
	sendFrame(t, c, " {\"title\":\"ace\"}\n")
	if got := readFrame(t, c); got != `"ace"` {
		t.Errorf("echo %s, want \"ace\"", got)
	}
	sendFrame(t, c, `{"title":"two"} {}`)
	var want any
	wantErr := json.Unmarshal([]byte(`{"title":"two"} {}`), &want)
	ce := closeFrameOf(t, c)
	if ce.Code != websocket.StatusInvalidFramePayloadData || ce.Reason != "invalid JSON: "+strings.TrimPrefix(wantErr.Error(), "json: ") {
		t.Errorf("close %d %q, want 1007 with json.Unmarshal's error %q", ce.Code, ce.Reason, wantErr)
	}
	<-done

	c = dialServed(t, url)
	sendFrame(t, c, `{}`)
	ce = closeFrameOf(t, c)
	if ce.Code != websocket.StatusInvalidFramePayloadData || ce.Reason != `"title" is missing from card` {
		t.Errorf("close %d %q, want 1007 naming title", ce.Code, ce.Reason)
	}
	<-done
}
