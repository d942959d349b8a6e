package codec_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/bench/codec"
	"duplex.dev/examples/chat/gen/chat"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// payload is one value benchmarked: the plain shape (codec.Message …), the
// generated type it mirrors (with its UnmarshalJSON), and the prototype of
// generated marshalling for it.
type payload struct {
	name       string
	plain      any                          // pointer to a codec type
	newPlain   func() any                   // a fresh target to decode the plain shape into
	newGen     func() any                   // a fresh target of the generated chat type
	appendGen  func([]byte) ([]byte, error) // the prototype generated marshaller applied to plain
	marshalGen func() ([]byte, error)       // the same into a new buffer sized for the value
}

func payloads() []payload {
	msg := &codec.Message{Sequence: 4217, Room: "general", From: "alice",
		Text: "Did you see the benchmark numbers? <b>fast</b> & \"quoted\"", Timestamp: "2026-11-25T12:34:56.789Z"}
	rate, dropped := 12.5, int64(3)
	an := &codec.Analytics{Timestamp: "2026-11-25T12:34:56Z", Connections: 1042, Rooms: 17,
		MessagesPerSecond: &rate, TopRooms: []string{"general", "random", "go", "bench", "help"},
		RoomMembers: map[string]int{"general": 512, "random": 230, "go": 118, "bench": 64, "help": 12},
		Dropped:     &dropped}
	echo64 := &codec.Echo{Message: text(64)}
	echo16k := &codec.Echo{Message: text(16 << 10)}
	return []payload{
		{name: "message", plain: msg,
			newPlain:   func() any { return new(codec.Message) },
			newGen:     func() any { return new(chat.Message) },
			appendGen:  func(b []byte) ([]byte, error) { return codec.AppendMessage(b, msg), nil },
			marshalGen: func() ([]byte, error) { return codec.MarshalMessage(msg), nil }},
		{name: "analytics", plain: an,
			newPlain:   func() any { return new(codec.Analytics) },
			newGen:     func() any { return new(chat.Analytics) },
			appendGen:  func(b []byte) ([]byte, error) { return codec.AppendAnalytics(b, an) },
			marshalGen: func() ([]byte, error) { return codec.MarshalAnalytics(an) }},
		{name: "echo64B", plain: echo64,
			newPlain:   func() any { return new(codec.Echo) },
			newGen:     func() any { return new(chat.EchoResult) },
			appendGen:  func(b []byte) ([]byte, error) { return codec.AppendEcho(b, echo64), nil },
			marshalGen: func() ([]byte, error) { return codec.MarshalEcho(echo64), nil }},
		{name: "echo16KiB", plain: echo16k,
			newPlain:   func() any { return new(codec.Echo) },
			newGen:     func() any { return new(chat.EchoResult) },
			appendGen:  func(b []byte) ([]byte, error) { return codec.AppendEcho(b, echo16k), nil },
			marshalGen: func() ([]byte, error) { return codec.MarshalEcho(echo16k), nil }},
	}
}

// text is n bytes of chat-like ASCII: words, spaces and some punctuation,
// one character in 64 needing an escape (a quote).
func text(n int) string {
	const words = "the quick brown fox jumps over the lazy dog, then types a message. "
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		c := words[i%len(words)]
		if i%64 == 63 {
			c = '"'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// TestCodecsAgree checks that every codec encodes each payload to JSON that
// decodes to the same value, and decodes encoding/json's output to the same
// value, in the plain shape and in the generated type.
func TestCodecsAgree(t *testing.T) {
	for _, p := range payloads() {
		want, err := json.Marshal(p.plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codec.Codecs() {
			t.Run(p.name+"/"+c.Name, func(t *testing.T) {
				got, err := c.Marshal(p.plain)
				if err != nil {
					t.Fatal(err)
				}
				back := p.newPlain()
				if err := json.Unmarshal(got, back); err != nil {
					t.Fatalf("encoding/json cannot read %s's output: %v", c.Name, err)
				}
				if !reflect.DeepEqual(back, p.plain) {
					t.Errorf("%s encoded %s, which reads back as %+v", c.Name, got, back)
				}
				dec := p.newPlain()
				if err := c.Unmarshal(want, dec); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(dec, p.plain) {
					t.Errorf("%s decoded %s as %+v", c.Name, want, dec)
				}
				gen := p.newGen()
				if err := c.Unmarshal(want, gen); err != nil {
					t.Fatalf("%s into the generated type: %v", c.Name, err)
				}
				if g, _ := json.Marshal(gen); string(g) != string(want) {
					t.Errorf("%s decoded into the generated type re-encodes as %s, want %s", c.Name, g, want)
				}
			})
		}
	}
}

// TestAppendMatchesEncodingJSON checks the prototype generated marshallers
// byte for byte against encoding/json, on the payloads and on strings that
// need every kind of escape.
func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, p := range payloads() {
		want, err := json.Marshal(p.plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.appendGen(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: prototype wrote\n%s\nencoding/json wrote\n%s", p.name, got, want)
		}
		got, err = p.marshalGen()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: prototype Marshal wrote\n%s\nencoding/json wrote\n%s", p.name, got, want)
		}
		if cap(got) > 2*len(got) {
			t.Errorf("%s: Marshal's buffer holds %d bytes in %d: badly sized", p.name, len(got), cap(got))
		}
	}
	for _, s := range escapeCases {
		checkEcho(t, s)
	}
	for _, f := range []float64{0, 1, -1, 0.1, 1e-7, 123456789.125, 1e21, 1e20, -2.5e-9, 3.0e100} {
		a := &codec.Analytics{MessagesPerSecond: &f}
		want, _ := json.Marshal(a)
		got, err := codec.AppendAnalytics(nil, a)
		if err != nil || string(got) != string(want) {
			t.Errorf("float %v: prototype wrote %s (%v), encoding/json %s", f, got, err, want)
		}
	}
}

var escapeCases = []string{
	"", "plain", `"quoted" \ back\slash`, "\b\f\n\r\t", "\x00\x01\x1f\x7f", "<script>&amp;</script>",
	"héllo wörld ✓ 日本語", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate", "emoji 😀",
}

func checkEcho(t *testing.T, s string) {
	t.Helper()
	e := &codec.Echo{Message: s}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := codec.AppendEcho(nil, e); string(got) != string(want) {
		t.Errorf("string %q: prototype wrote %s, encoding/json %s", s, got, want)
	}
}

// FuzzAppendString checks the prototype's string escaping against
// encoding/json on any input.
func FuzzAppendString(f *testing.F) {
	for _, s := range escapeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEcho(t, s) })
}

// BenchmarkEncode encodes each payload with each codec, and with the
// prototype of generated marshalling (into a new buffer sized for the value,
// as Marshal returns, and appending to a reused buffer, as a pooled writer
// would).
//
//	go test -run '^$' -bench . -benchmem -count 5 ./codec
func BenchmarkEncode(b *testing.B) {
	for _, p := range payloads() {
		for _, c := range codec.Codecs() {
			b.Run("payload="+p.name+"/codec="+short(c.Name), func(b *testing.B) {
				b.ReportAllocs()
				var n int
				for b.Loop() {
					out, err := c.Marshal(p.plain)
					if err != nil {
						b.Fatal(err)
					}
					n = len(out)
				}
				b.SetBytes(int64(n))
			})
		}
		b.Run("payload="+p.name+"/codec=generated-new", func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				out, err := p.marshalGen()
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.SetBytes(int64(n))
		})
		b.Run("payload="+p.name+"/codec=generated-reuse", func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = p.appendGen(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkDecode decodes each payload with each codec into the plain shape,
// and into the generated type (whose UnmarshalJSON checks required
// attributes by calling encoding/json, whatever codec calls it).
func BenchmarkDecode(b *testing.B) {
	for _, p := range payloads() {
		data, err := json.Marshal(p.plain)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range codec.Codecs() {
			for _, target := range []struct {
				name string
				new  func() any
			}{{"plain", p.newPlain}, {"generated", p.newGen}} {
				b.Run("payload="+p.name+"/codec="+short(c.Name)+"/into="+target.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(data)))
					for b.Loop() {
						if err := c.Unmarshal(data, target.new()); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// short turns a codec name into a benchmark name element (no slashes).
func short(name string) string { return strings.ReplaceAll(name, "/", "-") }
