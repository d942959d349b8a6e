package transport

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"duplex.dev/sse"
)

// SSEEvent is what a Goa ServerSentEvents method's result makes of an
// event (generated from SSEEventID, SSEEventType, SSEEventRetry and
// SSEEventData): the id:, event: and retry: lines, left out when empty or
// zero, and the data. Without Data (HasData false) the data is the whole
// result as JSON, projected with the stream's view.
type SSEEvent struct {
	ID      string
	Type    string
	Retry   int64
	Data    any
	HasData bool
}

// Deref returns *p, or the zero value for nil: the generated SSEEvent
// funcs read optional result attributes with it.
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// sendGoaEvent sends v on Goa's wire.
func sendGoaEvent[S, R any](ctx context.Context, st *sse.Stream, spec *StreamSpec[S, R], v S, view string) error {
	ev := spec.SSEEvent(v)
	data := ev.Data
	if !ev.HasData {
		data = any(v)
		if spec.View != nil {
			data = spec.View(v, view)
		}
	}
	b, err := goaEventData(data)
	if err != nil {
		return err
	}
	return st.SendEvent(ctx, sse.Event{ID: ev.ID, Type: ev.Type, Retry: ev.Retry, Data: b})
}

// goaEventData is an event's data as Goa writes it: a string or bytes as
// they are, a boolean or a number as text, anything else as JSON (null
// for nil).
func goaEventData(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return []byte("null"), nil
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	case bool:
		return strconv.AppendBool(nil, v), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Appendf(nil, "%d", v), nil
	case float32, float64:
		return fmt.Appendf(nil, "%g", v), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sse: encode: %w", err)
	}
	return b, nil
}
