package transport_test

import (
	"context"
	"encoding/json"
	"errors"
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
	"duplex.dev/ws/resume"
)

// codecMsg is a message type as generated: its UnmarshalJSON reports a
// missing required attribute as a validation error.
type codecMsg struct {
	Text string `json:"text"`
}

func (v *codecMsg) UnmarshalJSON(data []byte) error {
	type plain codecMsg
	var s struct {
		plain
		Text *string `json:"text"`
	}
	err := json.Unmarshal(data, &s)
	if err != nil && duplex.CodeOf(err) != duplex.CodeInvalid {
		return err
	}
	err = duplex.RequiredField(err, s.Text, &s.plain.Text, "text", "codecMsg")
	if err != nil {
		return err
	}
	*v = codecMsg(s.plain)
	return nil
}

// codecLimit is the read limit of every stream of TestBadFramesGetTheSameAnswerEverywhere.
const codecLimit = 1024

// badFrame is one bad frame and the one answer every stream kind owes it.
type badFrame struct {
	name   string
	typ    websocket.MessageType
	frame  string
	code   ws.StatusCode
	reason string
	// wire: the frame is refused by the connection (type, size, UTF-8)
	// rather than by the decoder; duplex.v1 sends it as is.
	wire bool
}

func badFrames(t *testing.T) []badFrame {
	reason := func(frame string) string {
		var v codecMsg
		err := json.Unmarshal([]byte(frame), &v)
		if err == nil {
			t.Fatalf("%s decodes", frame)
		}
		if duplex.CodeOf(err) == duplex.CodeInvalid {
			return err.Error()
		}
		return "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	big := `{"text":"` + strings.Repeat("x", 2*codecLimit) + `"}`
	return []badFrame{
		{name: "malformed JSON", typ: websocket.MessageText, frame: `{"text":"hi"`, code: ws.StatusInvalidPayload,
			reason: "invalid JSON: unexpected end of JSON input"},
		{name: "wrong type", typ: websocket.MessageText, frame: `{"text":5}`, code: ws.StatusInvalidPayload,
			reason: reason(`{"text":5}`)},
		{name: "failed validation", typ: websocket.MessageText, frame: `{"other":"hi"}`, code: ws.StatusInvalidPayload,
			reason: reason(`{"other":"hi"}`)},
		{name: "nested too deep", typ: websocket.MessageText, frame: `{"text":"hi","x":` + strings.Repeat("[", jsondepth.Max) + strings.Repeat("]", jsondepth.Max) + `}`,
			code: ws.StatusInvalidPayload, reason: "invalid JSON: nested deeper than " + strconv.Itoa(jsondepth.Max) + " levels"},
		{name: "invalid UTF-8", typ: websocket.MessageText, frame: "{\"text\":\"\xff\"}", code: ws.StatusInvalidPayload,
			reason: "invalid UTF-8 in a text message", wire: true},
		{name: "too large", typ: websocket.MessageText, frame: big, code: ws.StatusMessageTooBig,
			reason: "message too big: the limit is " + strconv.Itoa(codecLimit) + " bytes", wire: true},
		{name: "binary", typ: websocket.MessageBinary, frame: `{"text":"hi"}`, code: ws.StatusUnsupportedData,
			reason: "binary frames are not supported; send JSON text", wire: true},
	}
}

// answer is what one stream kind did with a bad frame: the error its
// receive returned, and the close (or duplex.v1 end) its peer was sent.
type answer struct {
	recv       error
	peerCode   ws.StatusCode
	peerReason string
}

// streamKind delivers frame to one kind of stream's receiving side.
type streamKind struct {
	name string
	v1   bool // duplex.v1: the message travels in a data frame
	run  func(t *testing.T, ctx context.Context, b badFrame) answer
}

// TestBadFramesGetTheSameAnswerEverywhere sends the same bad frames to
// every kind of stream, server side and client side, plain and resumable,
// over real connections, and checks that each answers with the same close
// code and reason, both in what its receive returns and in what its peer
// is told.
func TestBadFramesGetTheSameAnswerEverywhere(t *testing.T) {
	kinds := []streamKind{
		{name: "server plain", run: serverKind("", false)},
		{name: "server resumable on the default wire", run: serverKind("", true)},
		{name: "server resumable on duplex.v1", v1: true, run: serverKind(resume.Subprotocol, true)},
		{name: "client plain", run: clientKind("", false)},
		{name: "client resumable on the default wire", run: clientKind("", true)},
		{name: "client resumable on duplex.v1", v1: true, run: clientKind(resume.Subprotocol, true)},
	}
	for _, b := range badFrames(t) {
		for _, k := range kinds {
			if k.v1 && b.name == "malformed JSON" {
				// A duplex.v1 data frame carries its message as a JSON
				// value: a message that is not JSON makes the envelope
				// malformed, which is the protocol's error (1002), not the
				// codec's.
				continue
			}
			t.Run(b.name+"/"+k.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				got := k.run(t, ctx, b)
				var ce *ws.CloseError
				if !errors.As(got.recv, &ce) || ce.Code != b.code || ce.Reason != b.reason {
					t.Errorf("receive returned %v, want close %d %q", got.recv, b.code, b.reason)
				}
				if b.name == "failed validation" && duplex.CodeOf(got.recv) != duplex.CodeInvalid {
					t.Errorf("receive returned %v, which does not wrap the validation error", got.recv)
				}
				if b.name == "nested too deep" {
					var de *jsondepth.Error
					if !errors.As(got.recv, &de) {
						t.Errorf("receive returned %v, which does not wrap the *jsondepth.Error", got.recv)
					}
				}
				if b.name == "wrong type" {
					var te *json.UnmarshalTypeError
					if !errors.As(got.recv, &te) {
						t.Errorf("receive returned %v, which does not wrap the *json.UnmarshalTypeError", got.recv)
					}
				}
				if got.peerCode != b.code || got.peerReason != b.reason {
					t.Errorf("the peer was told %d %q, want %d %q", got.peerCode, got.peerReason, b.code, b.reason)
				}
			})
		}
	}
}

// serverKind serves one stream (transport.Stream, with a resume.Manager
// when resumable) whose handler receives one codecMsg, and has a raw client
// speaking subprotocol send it the bad frame.
func serverKind(subprotocol string, resumable bool) func(t *testing.T, ctx context.Context, b badFrame) answer {
	return func(t *testing.T, ctx context.Context, b badFrame) answer {
		recvd := make(chan error, 1)
		wsrv := ws.NewServer(ws.Config{ReadLimit: codecLimit})
		mgr := resume.NewManager(resume.WithGrace(time.Second))
		ep := &ws.Endpoint{Service: "svc", Method: "codec", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var m *resume.Manager
			if resumable {
				m = mgr
			}
			spec := &transport.StreamSpec[any, *codecMsg]{Endpoint: ep}
			streamHandler(wsrv, m, spec, func(ctx context.Context, s *transport.ServerStream[any, *codecMsg]) error {
				_, err := s.RecvWithContext(ctx)
				recvd <- err
				return err
			}).ServeHTTP(w, r)
		}))
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = mgr.Close(sctx)
			_ = wsrv.Shutdown(sctx)
			srv.Close()
		}()
		var opts websocket.DialOptions
		if subprotocol != "" {
			opts.Subprotocols = []string{subprotocol}
		}
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		frame := []byte(b.frame)
		if subprotocol == resume.Subprotocol {
			if err := c.Write(ctx, websocket.MessageText, []byte(`{"hello":{}}`)); err != nil {
				t.Fatal(err)
			}
			if _, welcome, err := c.Read(ctx); err != nil || !strings.Contains(string(welcome), `"welcome"`) {
				t.Fatalf("welcome: %s, %v", welcome, err)
			}
			if b.typ == websocket.MessageText {
				frame = []byte(`{"seq":1,"data":` + b.frame + `}`)
			}
		}
		if err := c.Write(ctx, b.typ, frame); err != nil {
			t.Fatal(err)
		}
		var a answer
		a.peerCode, a.peerReason = peerTold(t, ctx, c)
		select {
		case a.recv = <-recvd:
		case <-ctx.Done():
			t.Fatal("the handler's receive did not return")
		}
		return a
	}
}

// peerTold reads what the other side of c ends the stream with: a close
// frame, or on duplex.v1 an end frame (which it acknowledges).
func peerTold(t *testing.T, ctx context.Context, c *websocket.Conn) (ws.StatusCode, string) {
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("the peer read %v, want a close frame", err)
			}
			return ws.StatusCode(ce.Code), ce.Reason
		}
		var e struct {
			Seq uint64 `json:"seq"`
			End *struct {
				Code   int    `json:"code"`
				Reason string `json:"reason"`
			} `json:"end"`
		}
		if json.Unmarshal(b, &e) == nil && e.End != nil {
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"ack":`+strconv.FormatUint(e.Seq, 10)+`}`))
			return ws.StatusCode(e.End.Code), e.End.Reason
		}
	}
}

// clientKind has a raw server speaking subprotocol send the bad frame to
// a client stream (transport.Dial, resumable or not) that receives
// one codecMsg.
func clientKind(subprotocol string, resumable bool) func(t *testing.T, ctx context.Context, b badFrame) answer {
	return func(t *testing.T, ctx context.Context, b badFrame) answer {
		told := make(chan answer, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var opts websocket.AcceptOptions
			if subprotocol != "" {
				opts.Subprotocols = []string{subprotocol}
			}
			c, err := websocket.Accept(w, r, &opts)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(-1)
			frame := []byte(b.frame)
			if subprotocol == resume.Subprotocol {
				if _, hello, err := c.Read(ctx); err != nil || !strings.Contains(string(hello), `"hello"`) {
					told <- answer{peerReason: "no hello"}
					return
				}
				if err := c.Write(ctx, websocket.MessageText, []byte(`{"welcome":{"token":"t"}}`)); err != nil {
					told <- answer{peerReason: err.Error()}
					return
				}
				if b.typ == websocket.MessageText {
					frame = []byte(`{"seq":1,"data":` + b.frame + `}`)
				}
			}
			if err := c.Write(ctx, b.typ, frame); err != nil {
				told <- answer{peerReason: err.Error()}
				return
			}
			for {
				_, _, err := c.Read(ctx)
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					told <- answer{peerCode: ws.StatusCode(ce.Code), peerReason: ce.Reason}
					return
				}
				if err != nil {
					told <- answer{peerReason: "no close frame: " + err.Error()}
					return
				}
			}
		}))
		defer srv.Close()
		var a answer
		d := &transport.Dialer{Scheme: "http", Host: strings.TrimPrefix(srv.URL, "http://"),
			Config: ws.DialConfig{ReadLimit: codecLimit}, ResumeOptions: []resume.ClientOption{resume.WithRetry(ws.RetryPolicy{MaxAttempts: 1})}}
		res, err := transport.Dial[any, *codecMsg](ctx, d, "codec", "/", nil, nil, resumable)
		if err != nil {
			t.Fatal(err)
		}
		s := res.(*transport.ClientStream[any, *codecMsg])
		_, a.recv = s.RecvWithContext(ctx)
		defer s.Close()
		select {
		case p := <-told:
			a.peerCode, a.peerReason = p.peerCode, p.peerReason
		case <-ctx.Done():
			a.peerReason = "the server saw no close"
		}
		return a
	}
}
