package compat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// exchange is one scripted conversation with a server, written the way
// Goa's generated client writes it (gorilla's WriteJSON: the document and a
// newline per text frame, null to end the client's stream).
type exchange struct {
	name  string
	path  string
	send  []string // text frames sent after the upgrade, in order
	reads int      // frames to read between sends and the end (-1: read until the close)
	post  string   // for a unary call: the POST body instead of a WebSocket
}

// transcript is what the client saw: the handshake status (or the unary
// response), every frame received, and how the stream ended.
type transcript struct {
	status int
	body   string   // the body of a non-101 response
	frames []string // "text: <payload>" or "binary: <payload>"
	close  string   // "close 1000 \"reason\"" or the read error
}

func (tr transcript) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", tr.status)
	if tr.body != "" {
		fmt.Fprintf(&b, " body %q", tr.body)
	}
	for _, f := range tr.frames {
		fmt.Fprintf(&b, "\n    %q", f)
	}
	if tr.close != "" {
		fmt.Fprintf(&b, "\n    end: %s", tr.close)
	}
	return b.String()
}

func run(t *testing.T, base string, ex exchange) transcript {
	t.Helper()
	if ex.post != "" {
		res, err := http.Post(base+ex.path, "application/json", strings.NewReader(ex.post))
		if err != nil {
			t.Fatalf("%s: %v", ex.name, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s: %v", ex.name, err)
		}
		return transcript{status: res.StatusCode, body: string(body)}
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+ex.path, nil)
	if err != nil {
		if res == nil {
			t.Fatalf("%s: %v", ex.name, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return transcript{status: res.StatusCode, body: string(body)}
	}
	defer conn.Close()
	tr := transcript{status: res.StatusCode}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, f := range ex.send {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			tr.close = "write: " + err.Error()
			return tr
		}
	}
	for i := 0; ex.reads < 0 || i < ex.reads; i++ {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				tr.close = fmt.Sprintf("close %d %q", ce.Code, ce.Text)
			} else {
				tr.close = "error (no close frame): " + err.Error()
			}
			return tr
		}
		kind := "text"
		if typ == websocket.BinaryMessage {
			kind = "binary"
		}
		tr.frames = append(tr.frames, kind+": "+string(data))
	}
	return tr
}

// canonical returns the frames with whitespace around each JSON document
// removed and every "timestamp" replaced by "T", so that two servers' frames
// compare equal when they carry the same documents.
func canonical(t *testing.T, frames []string) []string {
	var out []string
	for _, f := range frames {
		kind, payload, _ := strings.Cut(f, ": ")
		var v any
		if err := json.Unmarshal([]byte(payload), &v); err != nil {
			t.Errorf("frame %q is not JSON: %v", f, err)
			out = append(out, f)
			continue
		}
		if m, ok := v.(map[string]any); ok {
			if _, ok := m["timestamp"]; ok {
				m["timestamp"] = "T"
			}
		}
		b, _ := json.Marshal(v)
		out = append(out, kind+": "+string(b))
	}
	return out
}

// closeCode returns the code of a "close CODE …" end, or the whole end.
func closeCode(end string) string {
	if strings.HasPrefix(end, "close ") {
		code, _, _ := strings.Cut(strings.TrimPrefix(end, "close "), " ")
		return code
	}
	return end
}

// TestSameFramesAsGoa sends the frames Goa's client sends to the Goa server
// and to the Duplex server and compares what comes back: the same status,
// the same JSON documents in the same order (whitespace and timestamps
// aside) and the same close code. Run with -v to see both transcripts.
func TestSameFramesAsGoa(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	goaSrv := httptest.NewServer(servers["goa"](logger))
	defer goaSrv.Close()
	duplexSrv := httptest.NewServer(servers["duplex"](logger))
	defer duplexSrv.Close()

	for _, ex := range []exchange{
		{name: "listener", path: "/listen", send: []string{"{\"message\":\"a\"}\n", "{\"message\":\"b\"}\n", "null\n"}, reads: -1},
		{name: "subscribe", path: "/subscribe?count=2", reads: -1},
		{name: "subscribe default count", path: "/subscribe", reads: -1},
		{name: "echo", path: "/echo", send: []string{"{\"message\":\"a\"}\n", "{\"message\":\"b\"}\n", "null\n"}, reads: -1},
		{name: "echo, whitespace around JSON", path: "/echo", send: []string{" {\"message\" : \"a\"}\r\n\t", "null"}, reads: -1},
		{name: "publish", path: "/rooms/nobody", post: "{\"message\":\"x\"}\n"},
	} {
		t.Run(ex.name, func(t *testing.T) {
			g := run(t, goaSrv.URL, ex)
			d := run(t, duplexSrv.URL, ex)
			t.Logf("goa:    %v", g)
			t.Logf("duplex: %v", d)
			if g.status != d.status {
				t.Errorf("status: goa %d, duplex %d", g.status, d.status)
			}
			if ex.post != "" {
				if strings.TrimSpace(g.body) != strings.TrimSpace(d.body) {
					t.Errorf("body: goa %q, duplex %q", g.body, d.body)
				}
				return
			}
			gf, df := canonical(t, g.frames), canonical(t, d.frames)
			if strings.Join(gf, "\n") != strings.Join(df, "\n") {
				t.Errorf("frames differ:\ngoa:    %q\nduplex: %q", gf, df)
			}
			// Duplex ends every stream with 1000 (DESIGN.md); Goa does too,
			// except after SendAndClose, where it drops the connection
			// without a close frame (1006).
			if dc := closeCode(d.close); dc != "1000" {
				t.Errorf("end of stream: duplex %s, want close 1000 (goa: %s)", d.close, g.close)
			}
			if gc := closeCode(g.close); gc != "1000" && !(ex.name == "listener" && gc == "1006") {
				t.Errorf("end of stream: goa %s, want close 1000: has the Goa server changed?", g.close)
			}
		})
	}
}

// TestErrorsOnTheWire checks what the Duplex server answers to bad input
// (DESIGN.md, "Bad input and faults"), logging Goa's answer beside it.
func TestErrorsOnTheWire(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	goaSrv := httptest.NewServer(servers["goa"](logger))
	defer goaSrv.Close()
	duplexSrv := httptest.NewServer(servers["duplex"](logger))
	defer duplexSrv.Close()

	for _, c := range []struct {
		ex         exchange
		wantStatus int
		wantEnd    string // close code, "" for none
		wantText   string // in the body or the close reason
		knownGap   string // why Duplex does not do this yet: logged, the case is skipped
	}{
		{exchange{name: "negative count", path: "/subscribe?count=-1"}, http.StatusBadRequest, "", "count", ""},
		{exchange{name: "count not an integer", path: "/subscribe?count=abc"}, http.StatusBadRequest, "", "count", ""},
		{exchange{name: "malformed JSON frame", path: "/echo", send: []string{"{\"message\":"}, reads: -1}, http.StatusSwitchingProtocols, "1007", "", ""},
		{exchange{name: "wrong type in frame", path: "/echo", send: []string{"{\"message\":5}"}, reads: -1}, http.StatusSwitchingProtocols, "1007", "message", ""},
		{exchange{name: "missing required attribute in frame", path: "/echo", send: []string{"{}"}, reads: 1}, http.StatusSwitchingProtocols, "1007", "message", ""},
		{exchange{name: "null required attribute in frame", path: "/echo", send: []string{"{\"message\":null}"}, reads: 1}, http.StatusSwitchingProtocols, "1007", "message", ""},
		// Goa 3.25.3 accepts this one (200): its decoder of an inline Body
		// drops the payload's Required; Duplex keeps it (expr requestBody).
		{exchange{name: "publish without the required attribute", path: "/rooms/r", post: "{}"}, http.StatusBadRequest, "", `\"message\" is missing`, ""},
		{exchange{name: "publish without body", path: "/rooms/r", post: " "}, http.StatusBadRequest, "", "", ""},
	} {
		t.Run(c.ex.name, func(t *testing.T) {
			g := run(t, goaSrv.URL, c.ex)
			d := run(t, duplexSrv.URL, c.ex)
			t.Logf("goa:    %v", g)
			t.Logf("duplex: %v", d)
			if c.knownGap != "" && (d.status != c.wantStatus || closeCode(d.close) != c.wantEnd) {
				t.Skipf("known Duplex gap: %s", c.knownGap)
			}
			if d.status != c.wantStatus {
				t.Errorf("duplex: status %d, want %d", d.status, c.wantStatus)
			}
			if c.wantEnd != "" && closeCode(d.close) != c.wantEnd {
				t.Errorf("duplex: stream ended with %s, want close %s", d.close, c.wantEnd)
			}
			if c.wantText != "" && !strings.Contains(d.body+d.close, c.wantText) {
				t.Errorf("duplex: answer %q does not name %q", d.body+d.close, c.wantText)
			}
			if c.wantEnd == "" && c.ex.post == "" && !bytes.Contains([]byte(d.body), []byte(`"name"`)) {
				t.Errorf("duplex: error body %q does not have Goa's error shape (a \"name\" field)", d.body)
			}
		})
	}
}
