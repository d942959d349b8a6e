//go:build goexperiment.jsonv2

package codec

import jsonv2 "encoding/json/v2"

// encoding/json/v2 exists in Go 1.26 only with GOEXPERIMENT=jsonv2 (which
// also reimplements encoding/json on top of it), so it is measured only in
// such a build.
func init() {
	experimental = append(experimental, Codec{
		Name:      "encoding/json/v2",
		Marshal:   func(v any) ([]byte, error) { return jsonv2.Marshal(v) },
		Unmarshal: func(data []byte, v any) error { return jsonv2.Unmarshal(data, v) },
	})
}
