package resume

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseFastPathMatchesJSON checks parse's fast path for
// {"seq":N,"data":D} (docs/protocol.md 2.2) against decoding the envelope
// with encoding/json: same result for every frame it accepts, and frames it
// must not accept fall back to the full decoder.
func TestParseFastPathMatchesJSON(t *testing.T) {
	frames := []struct {
		frame string
		fast  bool // the fast path takes it
	}{
		{`{"seq":1,"data":{"n":1,"pad":"xx"}}`, true},
		{`{"seq":18446744073709551615,"data":"s"}`, true},
		{`{"seq":7,"data":null}`, true},
		{`{"seq":7,"data":[1,2,{"a":"}"}]}`, true},
		{`{"seq":7,"data":"a\"}"}`, true},
		{`{"seq":3,"data":1,"ack":2}`, false},              // more keys after data
		{`{"seq":3,"data":{"a":1},"data":{"b":2}}`, false}, // duplicate key: json keeps the last
		{`{"seq":3,"data":{"a":1}} `, false},               // trailing space
		{`{"seq":03,"data":1}`, false},                     // not how dataFrame writes numbers
		{`{"seq":18446744073709551616,"data":1}`, false},   // overflows uint64: the decoder's error
		{`{"seq":2,"end":{}}`, false},
		{`{"ack":5}`, false},
		{`{"data":1,"seq":2}`, false},
		{`{"seq":2,"data":}`, false},
		{`{"seq":2,"data":{]}`, false},
		{`{ "seq":2,"data":1}`, false},
	}
	for _, f := range frames {
		_, fast := parseData([]byte(f.frame))
		if fast != f.fast {
			t.Errorf("parseData(%s) took the fast path = %v, want %v", f.frame, fast, f.fast)
		}
		got, gotErr := parse([]byte(f.frame))
		var want envelope
		wantErr := json.Unmarshal([]byte(f.frame), &want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("parse(%s) error = %v, json.Unmarshal's = %v", f.frame, gotErr, wantErr)
			continue
		}
		if diff := cmp.Diff(want, got); gotErr == nil && diff != "" {
			t.Errorf("parse(%s) differs from json.Unmarshal (-want +got):\n%s", f.frame, diff)
		}
	}
	// What dataFrame writes, parse reads back.
	for _, seq := range []uint64{1, 9, 10, 12345, 1<<64 - 1} {
		e, err := parse(dataFrame(seq, []byte(`{"n":1}`)))
		if err != nil || e.Seq != seq || string(e.Data) != `{"n":1}` {
			t.Errorf("parse(dataFrame(%d)) = %+v, %v", seq, e, err)
		}
	}
}
