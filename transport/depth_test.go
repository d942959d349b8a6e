package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/internal/jsondepth"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// deepNode is a recursive user type as generated: its UnmarshalJSON
// decodes its own document again (json.Unmarshal into a shadow struct) and
// reports a missing required name, so that each level of nesting rescans
// what it holds.
type deepNode struct {
	Name     string      `json:"name"`
	Children []*deepNode `json:"children,omitempty"`
}

func (v *deepNode) UnmarshalJSON(data []byte) error {
	type plain deepNode
	var s struct {
		plain
		Name *string `json:"name"`
	}
	err := json.Unmarshal(data, &s)
	if err != nil && duplex.CodeOf(err) != duplex.CodeInvalid {
		return err
	}
	err = duplex.RequiredField(err, s.Name, &s.plain.Name, "name", "Node")
	if err != nil {
		return err
	}
	*v = deepNode(s.plain)
	return nil
}

// deepUnion is a union as generated from OneOf: {"type":…,"value":…}, its
// value decoded by a second json.Unmarshal; the "group" variant holds
// another union.
type deepUnion struct {
	Text  *string
	Group *deepGroup
}

type deepGroup struct {
	Item *deepUnion `json:"item"`
}

func (u *deepUnion) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type  *string         `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.Type == nil || len(raw.Value) == 0 {
		return duplex.MissingFieldError("type", "Content")
	}
	switch *raw.Type {
	case "text":
		var v string
		if err := json.Unmarshal(raw.Value, &v); err != nil {
			return err
		}
		*u = deepUnion{Text: &v}
	case "group":
		var v deepGroup
		if err := json.Unmarshal(raw.Value, &v); err != nil {
			return err
		}
		*u = deepUnion{Group: &v}
	default:
		return duplex.MissingFieldError("type", "Content")
	}
	return nil
}

func (u *deepUnion) MarshalJSON() ([]byte, error) {
	if u.Group != nil {
		return json.Marshal(struct {
			Type  string     `json:"type"`
			Value *deepGroup `json:"value"`
		}{"group", u.Group})
	}
	return json.Marshal(struct {
		Type  string  `json:"type"`
		Value *string `json:"value"`
	}{"text", u.Text})
}

// deepNodeJSON is a Node whose children nest levels deep (two JSON levels
// each: the object and its children array), each named name.
func deepNodeJSON(levels int, name string) []byte {
	open := `{"name":"` + name + `","children":[`
	var b bytes.Buffer
	b.WriteString(strings.Repeat(open, levels))
	b.WriteString(`{"name":"` + name + `"}`)
	b.WriteString(strings.Repeat("]}", levels))
	return b.Bytes()
}

// deepUnionJSON is a union of groups nested levels deep (two JSON levels
// each: the union and the group), around a text variant.
func deepUnionJSON(levels int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat(`{"type":"group","value":{"item":`, levels))
	b.WriteString(`{"type":"text","value":"hi"}`)
	b.WriteString(strings.Repeat("}}", levels))
	return b.Bytes()
}

// deepLevels is the nesting of the deep inputs: the deepest encoding/json
// accepts (10,000 JSON levels), where decoding a generated type cost
// seconds of CPU before the depth limit.
const deepLevels = 4900

var reasonTooDeep = "invalid JSON: nested deeper than " + strconv.Itoa(jsondepth.Max) + " levels"

// TestDeepInputIsRefusedBeforeDecoding sends a 4,900-level recursive Node
// and a 4,900-level union to a real server's streams and unary endpoint:
// each is refused (close 1007, HTTP 400) naming the depth limit, and the
// server's other connection, opened before, still echoes. The inputs within
// the limit decode.
func TestDeepInputIsRefusedBeforeDecoding(t *testing.T) {
	wsrv := ws.NewServer(ws.Config{ReadLimit: 1 << 20})
	ep := &ws.Endpoint{Service: "tree", Method: "echo"}
	mux := http.NewServeMux()
	mux.Handle("GET /node", streamHandler(wsrv, nil, &transport.StreamSpec[*deepNode, *deepNode]{Endpoint: ep},
		func(ctx context.Context, s *transport.ServerStream[*deepNode, *deepNode]) error {
			for {
				n, err := s.RecvWithContext(ctx)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				if err := s.SendWithContext(ctx, n); err != nil {
					return err
				}
			}
		}))
	mux.Handle("GET /union", streamHandler(wsrv, nil, &transport.StreamSpec[*deepUnion, *deepUnion]{Endpoint: ep},
		func(ctx context.Context, s *transport.ServerStream[*deepUnion, *deepUnion]) error {
			_, err := s.RecvWithContext(ctx)
			return err
		}))
	echo := func(_ context.Context, v any) (any, error) { return v, nil }
	mux.Handle("POST /node", transport.Unary(echo, transport.DecodeBody[*deepNode], http.StatusOK, nil))
	mux.Handle("POST /union", transport.Unary(echo, transport.DecodeBody[*deepUnion], http.StatusOK, nil))
	srv := httptest.NewServer(mux)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	}()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")

	healthy := dialServed(t, wsURL+"/node")
	echoes := func(name string) {
		t.Helper()
		sendFrame(t, healthy, `{"name":"`+name+`"}`)
		if got := readFrame(t, healthy); got != `{"name":"`+name+`"}` {
			t.Fatalf("the healthy connection echoed %s", got)
		}
	}
	echoes("before")

	within := jsondepth.Max / 2 // two JSON levels each
	for _, tc := range []struct {
		path       string
		deep, fine []byte
	}{
		{"/node", deepNodeJSON(deepLevels, "n"), deepNodeJSON(within-1, "n")},
		{"/union", deepUnionJSON(deepLevels), deepUnionJSON(within - 1)},
	} {
		t.Run("stream "+tc.path, func(t *testing.T) {
			c := dialServed(t, wsURL+tc.path)
			sendFrame(t, c, string(tc.deep))
			if ce := closeFrameOf(t, c); ce.Code != websocket.StatusInvalidFramePayloadData || ce.Reason != reasonTooDeep {
				t.Errorf("%d-byte frame: closed with %d %q, want 1007 %q", len(tc.deep), ce.Code, ce.Reason, reasonTooDeep)
			}
		})
		t.Run("unary "+tc.path, func(t *testing.T) {
			status, body := postBody(t, srv.URL+tc.path, tc.deep)
			want := `"decode request body: nested deeper than ` + strconv.Itoa(jsondepth.Max) + ` levels"`
			if status != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("%d-byte body: %d %.200s, want 400 with %s", len(tc.deep), status, body, want)
			}
			if status, body := postBody(t, srv.URL+tc.path, tc.fine); status != http.StatusOK {
				t.Errorf("a body %d levels deep: %d %.200s, want 200", jsondepth.Max-1, status, body)
			}
		})
	}
	t.Run("stream within the limit", func(t *testing.T) {
		c := dialServed(t, wsURL+"/node")
		fine := deepNodeJSON(within-1, "n")
		sendFrame(t, c, string(fine))
		if got := readFrame(t, c); got != string(fine) {
			t.Errorf("a frame %d levels deep echoed as %.80s…", jsondepth.Max-1, got)
		}
	})
	echoes("after")
}

func postBody(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCheckDepth pins the scan: brackets inside strings (escaped quotes
// included) do not nest, unbalanced closers do not let a later opener
// through, and the limit is exactly MaxDepth.
func TestCheckDepth(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		name string
		in   string
		deep bool
	}{
		{"at the limit", nest(jsondepth.Max), false},
		{"one above", nest(jsondepth.Max + 1), true},
		{"objects and arrays", strings.Repeat(`{"a":[`, jsondepth.Max/2) + `{}` + strings.Repeat(`]}`, jsondepth.Max/2), true},
		{"brackets in a string", `["` + strings.Repeat("[{", 2*jsondepth.Max) + `"]`, false},
		{"escaped quote", `["\"` + strings.Repeat("[", 2*jsondepth.Max) + `"]`, false},
		{"escaped backslash ends the string", `["\\",` + nest(jsondepth.Max+1) + `]`, true},
		{"unbalanced closers first", strings.Repeat("]", 2*jsondepth.Max) + nest(jsondepth.Max+1), true},
		{"unterminated string", `["` + strings.Repeat("[", 2*jsondepth.Max), false},
	} {
		err := jsondepth.Check([]byte(tc.in))
		var de *jsondepth.Error
		if got := errors.As(err, &de); got != tc.deep {
			t.Errorf("%s: CheckDepth = %v, want deep %v", tc.name, err, tc.deep)
		}
	}
}

// BenchmarkDeepDecode measures decoding a ~200 KB Node nested 4,900 levels
// deep as the codec did before the depth limit (json.Valid, then the
// generated UnmarshalJSON) and as ws.Decode does now (refused by the scan);
// the worst ws.Decode still accepts (200 KB under a Node nested to the
// limit); and the cost of the scan over a whole 200 KB message within the
// limit, next to json.Valid and a json.Decoder Token pass, which would
// find the depth too.
func BenchmarkDeepDecode(b *testing.B) {
	deep := deepNodeJSON(deepLevels, strings.Repeat("n", 15))
	atLimit := deepNodeJSON(jsondepth.Max/2-1, "n")
	atLimit = bytes.Replace(atLimit, []byte(`{"name":"n"}`), []byte(`{"name":"`+strings.Repeat("x", 200<<10)+`"}`), 1)
	var wide bytes.Buffer
	wide.WriteString(`{"name":"root","children":[`)
	for i := 0; wide.Len() < 200<<10; i++ {
		if i > 0 {
			wide.WriteByte(',')
		}
		wide.WriteString(`{"name":"child ` + strconv.Itoa(i) + ` [with {brackets}] and \"quotes\"","children":[{"name":"leaf"}]}`)
	}
	wide.WriteString(`]}`)
	decode := func(in []byte, ok bool) func(b *testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var n deepNode
				if err := ws.Decode(in, &n); (err == nil) != ok {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("deep/unchecked", func(b *testing.B) {
		b.SetBytes(int64(len(deep)))
		for b.Loop() {
			var n deepNode
			if !json.Valid(deep) {
				b.Fatal("invalid")
			}
			if err := n.UnmarshalJSON(deep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("deep/ws.Decode", decode(deep, false))
	b.Run("at the limit/ws.Decode", decode(atLimit, true))
	b.Run("wide/ws.Decode", decode(wide.Bytes(), true))
	b.Run("wide/CheckDepth", func(b *testing.B) {
		b.SetBytes(int64(wide.Len()))
		for b.Loop() {
			if err := jsondepth.Check(wide.Bytes()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wide/json.Valid", func(b *testing.B) {
		b.SetBytes(int64(wide.Len()))
		for b.Loop() {
			if !json.Valid(wide.Bytes()) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("wide/Token pass", func(b *testing.B) {
		b.SetBytes(int64(wide.Len()))
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(wide.Bytes()))
			depth := 0
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				switch tok {
				case json.Delim('['), json.Delim('{'):
					depth++
				case json.Delim(']'), json.Delim('}'):
					depth--
				}
				if depth > jsondepth.Max {
					b.Fatal("deep")
				}
			}
		}
	})
}
