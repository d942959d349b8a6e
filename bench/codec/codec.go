package codec

import (
	"encoding/json"

	goccy "github.com/goccy/go-json"
	segmentio "github.com/segmentio/encoding/json"
)

// Codec is one JSON library under comparison, through its
// encoding/json-compatible functions.
type Codec struct {
	// Name is the row label: the library's import path.
	Name string
	// Marshal and Unmarshal behave as encoding/json's.
	Marshal   func(v any) ([]byte, error)
	Unmarshal func(data []byte, v any) error
}

// Codecs returns the libraries compared, encoding/json (the baseline) first.
// A build with GOEXPERIMENT=jsonv2 adds encoding/json/v2 (see jsonv2.go).
func Codecs() []Codec {
	return append([]Codec{
		{Name: "encoding/json", Marshal: json.Marshal, Unmarshal: json.Unmarshal},
		{Name: "goccy/go-json", Marshal: goccy.Marshal, Unmarshal: goccy.Unmarshal},
		{Name: "segmentio/encoding", Marshal: segmentio.Marshal, Unmarshal: segmentio.Unmarshal},
	}, experimental...)
}

// experimental holds codecs that only build with a GOEXPERIMENT.
var experimental []Codec
