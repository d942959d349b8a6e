package mux_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/mux"
	"duplex.dev/ws"
)

// rawConn is a hand-driven multiplexed connection: frames as the test
// writes them.
type rawConn struct {
	t *testing.T
	c *websocket.Conn
}

func dialRaw(t *testing.T, ctx context.Context, a *api) *rawConn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, "ws://"+a.host+mux.DefaultPath, &websocket.DialOptions{Subprotocols: []string{mux.Subprotocol}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if c.Subprotocol() != mux.Subprotocol {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	t.Cleanup(func() { c.CloseNow() })
	return &rawConn{t, c}
}

func (r *rawConn) send(ctx context.Context, frame string) {
	r.t.Helper()
	if err := r.c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		r.t.Fatalf("write %s: %v", frame, err)
	}
}

type rawFrame struct {
	T      string          `json:"t"`
	ID     uint64          `json:"id"`
	Credit int64           `json:"credit"`
	Data   json.RawMessage `json:"data"`
	Code   int             `json:"code"`
	Reason string          `json:"reason"`
	Status int             `json:"status"`
}

func (r *rawConn) read(ctx context.Context) rawFrame {
	r.t.Helper()
	_, b, err := r.c.Read(ctx)
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	var f rawFrame
	if err := json.Unmarshal(b, &f); err != nil {
		r.t.Fatalf("frame %s: %v", b, err)
	}
	return f
}

// expect reads frames until one of stream id, which it returns.
func (r *rawConn) expect(ctx context.Context, id uint64) rawFrame {
	r.t.Helper()
	for {
		if f := r.read(ctx); f.ID == id {
			return f
		}
	}
}

// TestHostileClient drives a connection by hand with what a broken or
// hostile client sends: each gets a clear answer naming the problem, and
// the connection, its other streams and the other connections go on;
// only frames that are not frames of the protocol end the connection.
func TestHostileClient(t *testing.T) {
	const limit = 8
	a := newAPI(t, apiOption{muxOptions: []mux.Option{mux.WithMaxStreams(limit)}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := dialRaw(t, ctx, a)
	other := a.dialer(t, false) // another connection, through the Go client

	r.send(ctx, `{"t":"open","id":1,"path":"/echo"}`)
	if f := r.expect(ctx, 1); f.T != "ok" || f.Credit != mux.DefaultCredit {
		t.Fatalf("open: %+v, want ok with credit %d", f, mux.DefaultCredit)
	}
	checks := []struct {
		name, frame string
		id          uint64
		t           string
		code        int
		status      int
		reason      string
	}{
		{"unknown stream id", `{"t":"msg","id":7,"data":{"author":"a","text":"x"}}`, 7, "error", 1002, 0, "stream 7, which was never opened"},
		{"duplicate id", `{"t":"open","id":1,"path":"/echo"}`, 1, "error", 1002, 0, "stream id 1 was already used"},
		{"huge open frame", `{"t":"open","id":2,"path":"/echo","header":{"X-Big":["` + strings.Repeat("x", 20<<10) + `"]}}`, 2, "end", 1008, http.StatusRequestHeaderFieldsTooLarge, "above the limit of 16384"},
		{"path without slash", `{"t":"open","id":3,"path":"echo"}`, 3, "end", 1008, http.StatusBadRequest, "does not start with /"},
		// A handler's refusals end the stream with the code their status
		// maps to after an upgrade (duplex.CodeForStatus).
		{"invalid parameter", `{"t":"open","id":4,"path":"/count","query":"token=secret&n=x"}`, 4, "end", 1007, http.StatusBadRequest, "n: not an integer"},
		{"no credentials", `{"t":"open","id":5,"path":"/count","query":"n=1"}`, 5, "end", 4501, http.StatusUnauthorized, "missing or wrong token"},
		{"no such route", `{"t":"open","id":6,"path":"/nowhere"}`, 6, "end", 1008, http.StatusNotFound, ""},
		{"credit overflow", `{"t":"credit","id":1,"n":1073741824}`, 1, "end", 1002, 0, "credit 1073741824"},
	}
	for _, c := range checks {
		r.send(ctx, c.frame)
		f := r.expect(ctx, c.id)
		if f.T != c.t || f.Code != c.code || f.Status != c.status || !strings.Contains(f.Reason, c.reason) {
			t.Errorf("%s: got %+v, want %s %d (status %d) with %q", c.name, f, c.t, c.code, c.status, c.reason)
		}
	}

	// A flood of opens: the first `limit` start, the others are refused.
	var ok, refused int
	for id := 10; id < 10+3*limit; id++ {
		r.send(ctx, fmt.Sprintf(`{"t":"open","id":%d,"path":"/echo"}`, id))
		f := r.expect(ctx, uint64(id))
		switch {
		case f.T == "ok":
			ok++
		case f.T == "end" && f.Code == int(ws.StatusRateLimited) && f.Status == http.StatusTooManyRequests &&
			strings.Contains(f.Reason, "8 streams are open on this connection"):
			refused++
		default:
			t.Fatalf("open %d: %+v", id, f)
		}
	}
	if ok != limit || refused != 2*limit {
		t.Errorf("flood of %d opens: %d started, %d refused; want %d and %d", 3*limit, ok, refused, limit, 2*limit)
	}
	// The connection lives: a stream of the flood echoes, the limit frees.
	r.send(ctx, `{"t":"msg","id":10,"data":{"author":"a","text":"alive"}}`)
	if f := r.expect(ctx, 10); f.T != "msg" || string(f.Data) != `"alive"` {
		t.Errorf("echo after the flood: %+v", f)
	}
	r.send(ctx, `{"t":"end","id":10,"code":1000}`)
	for id := 100; ; id++ { // the server forgets stream 10 once it read its end
		r.send(ctx, fmt.Sprintf(`{"t":"open","id":%d,"path":"/count","query":"n=2&token=secret","credit":2}`, id))
		if f := r.expect(ctx, uint64(id)); f.T == "ok" {
			for want := range 2 {
				if f := r.expect(ctx, uint64(id)); f.T != "msg" || string(f.Data) != fmt.Sprint(want) {
					t.Fatalf("count: %+v, want message %d", f, want)
				}
			}
			if f := r.expect(ctx, uint64(id)); f.T != "end" || f.Code != 1000 {
				t.Fatalf("count: %+v, want end 1000", f)
			}
			break
		}
		if id > 1000 {
			t.Fatal("the ended stream still counts against the limit")
		}
	}
	if err := countOnce(ctx, other, 20); err != nil {
		t.Fatalf("other connection: %v", err)
	}

	// A message beyond the credit granted ends its stream only: the flood
	// handler reads nothing, so the client's 64 credits are all it gets.
	r.send(ctx, `{"t":"open","id":2000,"path":"/flood","query":"n=1000000&token=secret","credit":1}`)
	if f := r.expect(ctx, 2000); f.T != "ok" || f.Credit != mux.DefaultCredit {
		t.Fatalf("open 2000: %+v", f)
	}
	for range mux.DefaultCredit + 1 {
		r.send(ctx, `{"t":"msg","id":2000,"data":1}`)
	}
	for {
		f := r.expect(ctx, 2000)
		if f.T == "msg" {
			continue // the one message its credit allowed
		}
		if f.T != "end" || f.Code != 1002 || f.Reason != "mux: message without credit" {
			t.Errorf("message without credit: %+v, want end 1002", f)
		}
		break
	}

	// Frames that are not frames of the protocol end the connection.
	for _, c := range []struct {
		frame  string
		code   websocket.StatusCode
		reason string
	}{
		{`{"t":"msg","id":1,`, websocket.StatusInvalidFramePayloadData, "mux: invalid frame"},
		{`{"t":"hello","id":1}`, websocket.StatusProtocolError, `unknown frame kind "hello"`},
		{`{"t":"msg"}`, websocket.StatusProtocolError, "without a valid id"},
	} {
		rc := dialRaw(t, ctx, a)
		rc.send(ctx, c.frame)
		_, _, err := rc.c.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != c.code || !strings.Contains(ce.Reason, c.reason) {
			t.Errorf("%s: %v, want close %d with %q", c.frame, err, c.code, c.reason)
		}
	}
	if err := countOnce(ctx, other, 20); err != nil {
		t.Fatalf("other connection after the bad ones: %v", err)
	}
	r.send(ctx, `{"t":"msg","id":11,"data":{"author":"a","text":"still"}}`)
	if f := r.expect(ctx, 11); f.T != "msg" || string(f.Data) != `"still"` {
		t.Errorf("first connection at the end: %+v", f)
	}
}
