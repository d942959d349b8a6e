package ws

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// recorder is a json.Unmarshaler that records what it was handed.
type recorder struct{ got []string }

func (r *recorder) UnmarshalJSON(b []byte) error {
	r.got = append(r.got, string(b))
	var v any
	return json.Unmarshal(b, &v)
}

// strictRecorder is a recorder marked as a StrictUnmarshaler.
type strictRecorder struct{ recorder }

func (*strictRecorder) StrictJSON() {}

// TestDecodeMatchesJSONUnmarshal checks that decode, which calls a
// json.Unmarshaler directly, answers every frame as json.Unmarshal does:
// the same error text, the same value, and an Unmarshaler that is not
// strict never sees invalid JSON.
func TestDecodeMatchesJSONUnmarshal(t *testing.T) {
	frames := []string{
		`{"message":"hi"}`, " \t\n{\"message\":\"hi\"} \r\n", `[1,2]`, `"s"`, `42`,
		`{"message":"hi"`, `{"message":"hi"} {}`, ``, ` `, `nul`, "\v{}", `{"a":1}x`,
	}
	for _, f := range frames {
		t.Run(fmt.Sprintf("%q", f), func(t *testing.T) {
			var wantRaw, gotRaw json.RawMessage
			wantErr := json.Unmarshal([]byte(f), &wantRaw)
			gotErr := decode([]byte(f), &gotRaw)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || string(gotRaw) != string(wantRaw) {
				t.Errorf("RawMessage: decode = %q, %v; json.Unmarshal = %q, %v", gotRaw, gotErr, wantRaw, wantErr)
			}

			var want, got recorder
			wantErr = json.Unmarshal([]byte(f), &want)
			gotErr = decode([]byte(f), &got)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || fmt.Sprint(got.got) != fmt.Sprint(want.got) {
				t.Errorf("Unmarshaler: decode handed %q, %v; json.Unmarshal handed %q, %v", got.got, gotErr, want.got, wantErr)
			}
		})
	}
}

func TestDecodeHandsStrictUnmarshalerTheFrame(t *testing.T) {
	for _, f := range []string{" {\"message\":\"hi\"} ", `{"message":`} {
		var s strictRecorder
		err := decode([]byte(f), &s)
		if len(s.got) != 1 || s.got[0] != f {
			t.Errorf("%q: StrictUnmarshaler was handed %q, want the frame once", f, s.got)
		}
		var want any
		if wantErr := json.Unmarshal([]byte(f), &want); fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%q: decode = %v, want its UnmarshalJSON's error %v", f, err, wantErr)
		}
	}
}

func TestDecodeNilUnmarshalerIsAnError(t *testing.T) {
	var r *recorder
	err := decode([]byte(`{}`), r)
	var iue *json.InvalidUnmarshalError
	if !errors.As(err, &iue) {
		t.Errorf("decode into a nil *recorder = %v, want *json.InvalidUnmarshalError", err)
	}
}
