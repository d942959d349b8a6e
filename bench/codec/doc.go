// Package codec compares JSON codecs on the chat design's types, so that the
// choice of Duplex's codec is made by the numbers (issue 9): encoding/json,
// github.com/goccy/go-json, github.com/segmentio/encoding/json, and a
// prototype of the append-style marshalling code a generator could emit for
// design types (AppendMessage, AppendAnalytics, AppendEcho).
//
// The benchmarks are in codec_test.go; docs/codec.md has the figures and the
// command. The prototype marshallers are tested byte for byte against
// encoding/json (same escaping, same key order, same number format), so the
// comparison is between equal outputs.
//
// It is not Duplex's codec: the runtime does not import this package, and
// nothing here decodes JSON by hand (reading always goes through a maintained
// decoder).
package codec
