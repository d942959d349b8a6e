package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawClient is a WebSocket client written by hand on a TCP socket, so that
// a test can send frames no library would (invalid UTF-8, a close reason
// that is not UTF-8, fragments split anywhere), as the Autobahn suite does.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialRaw(t *testing.T, ts *testServer, path string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", path, ts.Listener.Addr())
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got %d, want 101", resp.StatusCode)
	}
	return &rawClient{conn: conn, br: br}
}

const (
	opContinuation = 0
	opText         = 1
	opClose        = 8
)

// frame writes one masked frame.
func (c *rawClient) frame(t *testing.T, fin bool, op byte, payload []byte) {
	t.Helper()
	b0 := op
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 0x80|127), uint64(n))
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	hdr = append(hdr, key[:]...)
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ key[i%4]
	}
	if _, err := c.conn.Write(append(hdr, masked...)); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

func (c *rawClient) closeFrame(t *testing.T, code StatusCode, reason []byte) {
	t.Helper()
	c.frame(t, true, opClose, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// next reads the server's next frame: a text message, or its close code and
// reason.
func (c *rawClient) next(t *testing.T) (text string, code StatusCode, reason string) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		t.Fatalf("read payload: %v", err)
	}
	switch op := h[0] & 0x0f; op {
	case opText:
		return string(payload), 0, ""
	case opClose:
		if len(payload) < 2 {
			return "", StatusNoStatus, ""
		}
		return "", StatusCode(binary.BigEndian.Uint16(payload)), string(payload[2:])
	default:
		t.Fatalf("unexpected frame opcode %d", op)
		return "", 0, ""
	}
}

// rawEcho is a raw-text stream: it echoes each text frame as is.
func rawEcho(ctx context.Context, c *Conn) error {
	for {
		b, err := c.ReceiveRaw(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := c.SendRaw(b); err != nil {
			return err
		}
	}
}

// TestInvalidUTF8IsRefusedWith1007 follows the Autobahn suite's cases 6.x
// (invalid UTF-8 in text messages, whole or fragmented) and 7.5.1 (a close
// frame whose reason is not UTF-8) on a raw socket, against a raw-text
// stream and a JSON stream: each gets close 1007 (1002 for the close
// reason, as DESIGN.md's table says; Autobahn accepts 1002 or 1007), valid
// text split inside a character is echoed, and a well-behaved connection
// keeps working.
func TestInvalidUTF8IsRefusedWith1007(t *testing.T) {
	ts := startServer(t, echoHandler)
	ts.mux.HandleFunc("/raw", func(w http.ResponseWriter, r *http.Request) {
		_ = ts.ws.Handle(w, r, &Endpoint{Service: "test", Method: "raw"}, rawEcho)
	})
	good := ts.goodPeer(t)

	type frame struct {
		fin     bool
		op      byte
		payload string
	}
	text := func(s string) []frame { return []frame{{true, opText, s}} }
	cases := []struct {
		name   string
		frames []frame
		close  []byte // a close reason to send after the frames, when not nil
		echo   string // the echo expected, when the frames are valid
		codes  []StatusCode
	}{
		{name: "6.2 valid text split inside a character is echoed",
			frames: []frame{{false, opText, "\"κό\xcf"}, {false, opContinuation, "\x83"}, {true, opContinuation, "με\""}},
			echo:   `"κόσμε"`},
		{name: "6.3.1 invalid text in one frame", frames: text("\"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited\""), codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.3.2 invalid text fragmented", frames: []frame{{false, opText, "\"\xce\xba\xe1\xbd\xb9"}, {false, opContinuation, "\xcf\x83\xce\xbc\xce\xb5\xed"}, {true, opContinuation, "\xa0\x80edited\""}}, codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.4 a fragment ends inside a broken sequence", frames: []frame{{false, opText, "\"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4"}, {true, opContinuation, "\x90\x80\x80\""}}, codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.6 a lone continuation byte", frames: text("\"\x80\""), codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.8 a five-byte sequence", frames: text("\"\xf8\x88\x80\x80\x80\""), codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.12 an overlong slash", frames: text("\"\xc0\xaf\""), codes: []StatusCode{StatusInvalidPayload}},
		{name: "6.19 a surrogate", frames: text("\"\xed\xbf\xbf\""), codes: []StatusCode{StatusInvalidPayload}},
		{name: "invalid UTF-8 inside a JSON string of an object", frames: text("{\"text\":\"ab\xffcd\"}"), codes: []StatusCode{StatusInvalidPayload}},
		{name: "7.5.1 a close reason that is not UTF-8", close: []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
			codes: []StatusCode{StatusProtocolError}},
		{name: "a valid close reason is echoed", close: []byte("κόσμε"), codes: []StatusCode{StatusNormalClosure}},
	}
	for _, path := range []string{"/raw", "/stream"} {
		for _, tc := range cases {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				c := dialRaw(t, ts, path)
				for _, f := range tc.frames {
					c.frame(t, f.fin, f.op, []byte(f.payload))
				}
				if tc.close != nil {
					c.closeFrame(t, StatusNormalClosure, tc.close)
				}
				if tc.echo != "" {
					if got, code, reason := c.next(t); got != tc.echo {
						t.Fatalf("got %q (close %d %q), want the echo %q", got, int(code), reason, tc.echo)
					}
					c.closeFrame(t, StatusNormalClosure, nil)
					tc.codes = []StatusCode{StatusNormalClosure}
				}
				got, code, reason := c.next(t)
				ok := false
				for _, want := range tc.codes {
					ok = ok || code == want
				}
				if !ok {
					t.Fatalf("got %q, close %d %q; want close %v", got, int(code), reason, tc.codes)
				}
				if tc.close == nil && tc.echo == "" {
					c.closeFrame(t, code, nil) // complete the handshake the server began
				}
				if code != StatusNormalClosure && !strings.Contains(reason, "UTF-8") {
					t.Errorf("close %d reason %q does not say what was wrong", int(code), reason)
				}
				if path == "/stream" {
					if err := ts.handlerResult(t); err != nil {
						t.Errorf("Handle returned %v", err)
					}
				}
				good.echoes(t)
			})
		}
	}
}

// TestSilentConnectionCostsOneGoroutine opens connections that send
// nothing after the upgrade, from raw sockets (no client goroutines), to
// a handler waiting in Receive: each costs the server one goroutine, the
// handler's, not a reader goroutine as well.
func TestSilentConnectionCostsOneGoroutine(t *testing.T) {
	const n = 50
	ts := startServer(t, echoHandler)
	base := runtime.NumGoroutine()
	conns := make([]*rawClient, 0, n)
	for range n {
		conns = append(conns, dialRaw(t, ts, "/stream"))
	}
	// Wait until every handler is parked in Receive (goroutines settle),
	// then count.
	deadline := time.Now().Add(5 * time.Second)
	got := runtime.NumGoroutine() - base
	for got != n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling a count: nothing to await
		got = runtime.NumGoroutine() - base
	}
	t.Logf("%d silent connections: %d goroutines (%.2f per connection)", n, got, float64(got)/n)
	if got > n {
		t.Fatalf("%d silent connections cost %d goroutines, want %d", n, got, n)
	}
	for _, c := range conns {
		c.frame(t, true, opText, []byte(`{"n":1}`))
		if text, code, _ := c.next(t); text != `{"n":1}` {
			t.Fatalf("echo: got %q, close %d", text, int(code))
		}
		c.closeFrame(t, StatusNormalClosure, nil)
	}
	for range conns {
		_ = ts.handlerResult(t)
	}
}
