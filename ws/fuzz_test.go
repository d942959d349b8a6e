package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	duplex "duplex.dev"
	"duplex.dev/internal/jsondepth"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// fuzzReadLimit is the read limit of the fuzzed endpoint: small, so that
// the fuzzer reaches the 1009 path with inputs of a few kilobytes.
const fuzzReadLimit = 4096

// fuzzMessage is what the fuzzed endpoint decodes each frame into; a
// negative N fails the endpoint's validation.
type fuzzMessage struct {
	N    *int     `json:"n,omitempty"`
	Text string   `json:"text"`
	Tags []string `json:"tags,omitempty"`
}

// fuzzEcho is a well-behaved stream handler: it decodes each frame,
// validates it and sends it back, and ends normally on the client's null.
func fuzzEcho(ctx context.Context, c *ws.Conn) error {
	for {
		var m fuzzMessage
		err := c.Receive(ctx, &m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if m.N != nil && *m.N < 0 {
			return duplex.NewError(duplex.CodeInvalid, "", "n: must be 0 or more, got %d", *m.N)
		}
		if err := c.Send(ctx, &m); err != nil {
			return err
		}
	}
}

// countingHandler counts the log records at error level: the runtime logs
// a recovered panic there.
type countingHandler struct {
	slog.Handler
	errors *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
	}
	return nil
}

func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// frameServer is one real ws.Server on 127.0.0.1 serving fuzzEcho, shared
// by every iteration of a fuzz process, with a long-lived healthy client.
type frameServer struct {
	url    string
	ws     *ws.Server
	errors atomic.Int64
	health *ws.ClientConn
}

func startFrameServer(tb testing.TB) *frameServer {
	tb.Helper()
	fs := &frameServer{}
	log := slog.New(countingHandler{Handler: slog.DiscardHandler, errors: &fs.errors})
	fs.ws = ws.NewServer(ws.Config{Logger: log, ReadLimit: fuzzReadLimit, WriteTimeout: 5 * time.Second})
	ep := &ws.Endpoint{Service: "fuzz", Method: "echo"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fs.ws.Handle(w, r, ep, fuzzEcho); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	fs.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	health, err := ws.Dial(ctx, fs.url, ws.DialConfig{})
	if err != nil {
		srv.Close()
		tb.Fatalf("dial the health connection: %v", err)
	}
	fs.health = health
	tb.Cleanup(func() {
		_ = fs.health.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := fs.ws.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		srv.Close()
		if n := fs.ws.Len(); n != 0 {
			tb.Errorf("after shutdown the server still has %d connections", n)
		}
	})
	return fs
}

// expectation is what the server must answer to one frame: an echo of
// want, or a close with code.
type expectation struct {
	code ws.StatusCode // 0: an echo
	want []byte
}

// expect states independently of the runtime what DESIGN.md's bad-input
// table says a frame gets from fuzzEcho.
func expect(frame []byte, binary bool) expectation {
	switch {
	case binary:
		return expectation{code: ws.StatusUnsupportedData}
	case len(frame) > fuzzReadLimit:
		return expectation{code: ws.StatusMessageTooBig}
	case !utf8.Valid(frame):
		return expectation{code: ws.StatusInvalidPayload} // RFC 6455 section 8.1
	case string(bytes.TrimSpace(frame)) == "null":
		return expectation{code: ws.StatusNormalClosure}
	}
	if tokenDepth(frame) > jsondepth.Max {
		return expectation{code: ws.StatusInvalidPayload} // refused before decoding
	}
	var m fuzzMessage
	if err := json.Unmarshal(frame, &m); err != nil {
		return expectation{code: ws.StatusInvalidPayload}
	}
	if m.N != nil && *m.N < 0 {
		return expectation{code: ws.StatusInvalidPayload}
	}
	want, err := json.Marshal(&m)
	if err != nil {
		panic(err)
	}
	return expectation{want: want}
}

// tokenDepth is the deepest nesting of arrays and objects in frame, as
// json.Decoder's tokens see it, up to the first syntax error (a frame with
// one gets 1007 whatever its depth).
func tokenDepth(frame []byte) int {
	dec := json.NewDecoder(bytes.NewReader(frame))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

// exchange sends frame on c and checks the server's answer; it reports
// whether the stream is still open.
func exchange(t *testing.T, ctx context.Context, c *websocket.Conn, frame []byte, binary bool) bool {
	t.Helper()
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	exp := expect(frame, binary)
	if err := c.Write(ctx, typ, frame); err != nil {
		t.Fatalf("write %d-byte frame: %v", len(frame), err)
	}
	gotTyp, got, err := c.Read(ctx)
	if exp.code == 0 {
		if err != nil {
			t.Fatalf("frame %q: want the echo %s, got %v", frame, exp.want, err)
		}
		if gotTyp != websocket.MessageText || !bytes.Equal(got, exp.want) {
			t.Fatalf("frame %q: echo %v %q, want text %q", frame, gotTyp, got, exp.want)
		}
		return true
	}
	if code := websocket.CloseStatus(err); ws.StatusCode(code) != exp.code {
		t.Fatalf("frame %q (binary %v): got %v %q, %v; want close %d", frame, binary, gotTyp, got, err, int(exp.code))
	}
	if exp.code != ws.StatusNormalClosure {
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Reason == "" {
			t.Fatalf("frame %q: close %d without a reason", frame, ce.Code)
		}
	}
	return false
}

// FuzzServerFrames sends random frames, text or binary, to a real server
// through a real client connection: the server must answer each exactly
// as DESIGN.md's bad-input table says (1003 for binary, 1009 above the
// read limit, 1007 for malformed or invalid JSON or UTF-8, 1000 after the client's
// null, else the echo), never panic, and keep serving a second connection.
// Run it with:
//
//	go test -run='^$' -fuzz='^FuzzServerFrames$' -fuzztime=10s ./ws
func FuzzServerFrames(f *testing.F) {
	for _, seed := range []struct {
		first, second []byte
		binary        bool
	}{
		{[]byte(`{"text":"hi"}`), []byte(`{"n":1,"tags":["a"]}`), false},
		{[]byte(`{"text":"hi"}`), []byte(`null`), false},
		{[]byte(`{"n":-1}`), nil, false},
		{[]byte(`{"text":`), nil, false},
		{[]byte(` null `), nil, false},
		{[]byte(`{"text":"\xff\xfe"}`), []byte(`[]`), false},
		{[]byte(`{"n":1e400}`), nil, false},
		{[]byte{0x00, 0x01}, nil, true},
		{bytes.Repeat([]byte("a"), fuzzReadLimit+1), nil, false},
		{[]byte(`{"text":"` + strings.Repeat("x", fuzzReadLimit-11) + `"}`), []byte(`{}`), false},
		{[]byte{}, nil, false},
		// Nested to the depth limit (echoed), then one level deeper (1007).
		{[]byte(`{"text":"hi","x":` + strings.Repeat("[", jsondepth.Max-1) + strings.Repeat("]", jsondepth.Max-1) + `}`),
			[]byte(`{"text":"hi","x":` + strings.Repeat("[", jsondepth.Max) + strings.Repeat("]", jsondepth.Max) + `}`), false},
	} {
		f.Add(seed.first, seed.second, seed.binary)
	}
	fs := startFrameServer(f)
	f.Fuzz(func(t *testing.T, first, second []byte, binary bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, fs.url, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		if exchange(t, ctx, c, first, binary) {
			exchange(t, ctx, c, second, false)
		}

		// The other connection is unaffected.
		if err := fs.health.Send(ctx, &fuzzMessage{Text: "still there?"}); err != nil {
			t.Fatalf("health connection: send: %v", err)
		}
		var m fuzzMessage
		if err := fs.health.Receive(ctx, &m); err != nil || m.Text != "still there?" {
			t.Fatalf("health connection: receive %+v, %v", m, err)
		}
		if n := fs.errors.Load(); n != 0 {
			t.Fatalf("the server logged %d errors (a recovered panic?)", n)
		}
	})
}

// resumeServer is one real ws.Server speaking duplex.v1 through a
// resume.Manager whose sessions echo every message, shared by every
// iteration of a fuzz process, with a long-lived resumable client.
type resumeServer struct {
	url    string
	errors atomic.Int64
	health *resume.Stream
}

func resumeEcho(ctx context.Context, s *resume.Session) error {
	for {
		b, err := s.ReceiveRaw(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(ctx, json.RawMessage(b)); err != nil {
			return err
		}
	}
}

func startResumeServer(tb testing.TB) *resumeServer {
	tb.Helper()
	rs := &resumeServer{}
	log := slog.New(countingHandler{Handler: slog.DiscardHandler, errors: &rs.errors})
	wsrv := ws.NewServer(ws.Config{Logger: log, ReadLimit: fuzzReadLimit, Subprotocols: []string{resume.Subprotocol}})
	// A short grace lets the sessions the fuzzer abandons expire quickly.
	mgr := resume.NewManager(resume.WithGrace(50 * time.Millisecond))
	ep := &ws.Endpoint{Service: "fuzz", Method: "resume"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			return mgr.Serve(c, "fuzzer", resumeEcho)
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	rs.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	health, err := resume.Dial(ctx, rs.url)
	if err != nil {
		srv.Close()
		tb.Fatalf("dial the health stream: %v", err)
	}
	rs.health = health
	tb.Cleanup(func() {
		_ = rs.health.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := mgr.Close(ctx); err != nil {
			tb.Errorf("manager close: %v", err)
		}
		if err := wsrv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return rs
}

// resumeCloseCodes are the close codes a duplex.v1 server may answer
// hostile frames with: DESIGN.md's table, 4500 for a session that cannot
// be resumed and 4000 for a sequence gap (the client is told to resume and
// send the missing messages again). 1000 ends a stream the client
// abandoned.
var resumeCloseCodes = map[ws.StatusCode]bool{
	ws.StatusNormalClosure: true, ws.StatusProtocolError: true, ws.StatusUnsupportedData: true,
	ws.StatusInvalidPayload: true, ws.StatusPolicyViolation: true, ws.StatusMessageTooBig: true,
	ws.StatusResumeFailed: true, ws.StatusSlowConsumer: true,
}

// readUntilClose reads frames until the server closes, checking that each
// is a JSON document, and returns the close code.
func readUntilClose(t *testing.T, ctx context.Context, c *websocket.Conn) ws.StatusCode {
	t.Helper()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			code := websocket.CloseStatus(err)
			if code == -1 {
				t.Fatalf("no close frame from the server: %v", err)
			}
			return ws.StatusCode(code)
		}
		if typ != websocket.MessageText || !json.Valid(b) {
			t.Fatalf("the server sent a %v frame that is not JSON: %q", typ, b)
		}
	}
}

// FuzzResumeFrames sends random first frames (where hello or resume is
// expected) and random frames inside a session to a real duplex.v1
// server. It must answer with a welcome or one of resumeCloseCodes, and
// exactly 1003 for binary, 1009 above the read limit, 1007 for invalid UTF-8, 1002 for a first
// frame that is not JSON, 4500 for a resume of an unknown session; never
// panic; and the other resumable stream keeps working. Run it with:
//
//	go test -run='^$' -fuzz='^FuzzResumeFrames$' -fuzztime=10s ./ws
func FuzzResumeFrames(f *testing.F) {
	for _, seed := range []struct {
		first, second []byte
		binary        bool
	}{
		{[]byte(`{"hello":{}}`), []byte(`{"seq":1,"data":{"text":"hi"}}`), false},
		{[]byte(`{"hello":{}}`), []byte(`{"ack":99}`), false},
		{[]byte(`{"hello":{}}`), []byte(`{"seq":2,"data":1}`), false},
		{[]byte(`{"hello":{}}`), []byte(`{"seq":1,"end":{"code":1011}}`), false},
		{[]byte(`{"hello":{}}`), []byte(`{"resume":{"token":"x","last":0}}`), false},
		{[]byte(`{"hello":{}}`), []byte(`{"seq":18446744073709551615,"data":null}`), false},
		{[]byte(`{"resume":{"token":"AAAAAAAAAAAAAAAAAAAAAA","last":0}}`), nil, false},
		{[]byte(`{"resume":{"token":"","last":18446744073709551615}}`), nil, false},
		{[]byte(`{"hello":1}`), nil, false},
		{[]byte(`{"welcome":{"token":"t"}}`), nil, false},
		{[]byte(`{"close":{}}`), nil, false},
		{[]byte(`not json`), nil, false},
		{[]byte(`{"hello":{}}`), nil, true},
	} {
		f.Add(seed.first, seed.second, seed.binary)
	}
	rs := startResumeServer(f)
	f.Fuzz(func(t *testing.T, first, second []byte, binary bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, rs.url, &websocket.DialOptions{Subprotocols: []string{resume.Subprotocol}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		if err := c.Write(ctx, typ, first); err != nil {
			t.Fatalf("write: %v", err)
		}
		gotTyp, got, err := c.Read(ctx)
		var want ws.StatusCode
		var probe struct {
			Resume *struct {
				Token string `json:"token"`
			} `json:"resume"`
			Hello json.RawMessage `json:"hello"`
		}
		switch {
		case binary:
			want = ws.StatusUnsupportedData
		case len(first) > fuzzReadLimit:
			want = ws.StatusMessageTooBig
		case !utf8.Valid(first):
			want = ws.StatusInvalidPayload
		case !json.Valid(first):
			want = ws.StatusProtocolError
		case json.Unmarshal(first, &probe) == nil && probe.Resume != nil && probe.Hello == nil:
			if err == nil || ws.StatusCode(websocket.CloseStatus(err)) == ws.StatusProtocolError {
				break // the frame's other keys may be malformed: 1002 first
			}
			want = ws.StatusResumeFailed
		}
		if err != nil {
			code := ws.StatusCode(websocket.CloseStatus(err))
			if (want != 0 && code != want) || !resumeCloseCodes[code] {
				t.Fatalf("first frame %q (binary %v): %v, want close %d", first, binary, err, int(want))
			}
		} else {
			if want != 0 {
				t.Fatalf("first frame %q (binary %v): got %v %q, want close %d", first, binary, gotTyp, got, int(want))
			}
			var welcome struct {
				Welcome *struct {
					Token string `json:"token"`
				} `json:"welcome"`
			}
			if json.Unmarshal(got, &welcome) != nil || welcome.Welcome == nil || len(welcome.Welcome.Token) < 16 {
				t.Fatalf("first frame %q: the server answered %q, want a welcome with a token", first, got)
			}
			// Inside the session: the fuzzer's frame, then the client
			// abandons the session; the server must close the connection.
			if err := c.Write(ctx, websocket.MessageText, second); err != nil {
				t.Fatalf("write: %v", err)
			}
			if err := c.Write(ctx, websocket.MessageText, []byte(`{"close":{}}`)); err != nil && websocket.CloseStatus(err) == -1 && !errors.Is(err, net.ErrClosed) {
				t.Fatalf("write the close frame: %v", err)
			}
			if code := readUntilClose(t, ctx, c); !resumeCloseCodes[code] {
				t.Fatalf("frame %q in a session: closed with %d", second, int(code))
			}
		}

		var m fuzzMessage
		if err := rs.health.Send(ctx, &fuzzMessage{Text: "still there?"}); err != nil {
			t.Fatalf("health stream: send: %v", err)
		}
		if err := rs.health.Receive(ctx, &m); err != nil || m.Text != "still there?" {
			t.Fatalf("health stream: receive %+v, %v", m, err)
		}
		if n := rs.errors.Load(); n != 0 {
			t.Fatalf("the server logged %d errors (a recovered panic?)", n)
		}
	})
}
