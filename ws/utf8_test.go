package ws_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// TestClientRefusesInvalidUTF8With1007: a server's text frame that is not
// UTF-8 (here inside a JSON string) ends the Go client's stream with 1007,
// sent to the server and returned by Receive, instead of a string with
// U+FFFD in it.
func TestClientRefusesInvalidUTF8With1007(t *testing.T) {
	closed := make(chan error, 1)
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageText, []byte("{\"text\":\"ab\xffcd\"}"))
		_, _, err := c.Read(context.Background())
		closed <- err
	})
	c := dial(t, p.URL)
	var m chatMessage
	err := c.Receive(testContext(t), &m)
	if ws.CloseStatus(err) != ws.StatusInvalidPayload {
		t.Fatalf("Receive of invalid UTF-8 = %+v, %v; want a *CloseError with 1007", m, err)
	}
	if code := websocket.CloseStatus(<-closed); code != websocket.StatusInvalidFramePayloadData {
		t.Fatalf("server saw close %v, want 1007", code)
	}
}

// TestResumableStreamRefusesInvalidUTF8With1007: a duplex.v1 client's data
// frame whose JSON string is not UTF-8 closes the connection with 1007, and
// the other resumable stream keeps working.
func TestResumableStreamRefusesInvalidUTF8With1007(t *testing.T) {
	rs := startResumeServer(t)
	ctx := testContext(t)
	c, _, err := websocket.Dial(ctx, rs.url, &websocket.DialOptions{Subprotocols: []string{resume.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"hello":{}}`)); err != nil {
		t.Fatal(err)
	}
	if _, welcome, err := c.Read(ctx); err != nil {
		t.Fatalf("no welcome: %v", err)
	} else if len(welcome) == 0 {
		t.Fatal("empty welcome")
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("{\"seq\":1,\"data\":{\"text\":\"ab\xffcd\"}}")); err != nil {
		t.Fatal(err)
	}
	if code := readUntilClose(t, ctx, c); code != ws.StatusInvalidPayload {
		t.Fatalf("closed with %d, want 1007", int(code))
	}
	var m fuzzMessage
	if err := rs.health.Send(ctx, &fuzzMessage{Text: "still there?"}); err != nil {
		t.Fatalf("health stream: send: %v", err)
	}
	if err := rs.health.Receive(ctx, &m); err != nil || m.Text != "still there?" {
		t.Fatalf("health stream: receive %+v, %v", m, err)
	}
}

// TestClientAnswersACloseReasonThatIsNotUTF8With1002: a server's close
// frame whose reason is not UTF-8 ends the Go client's stream with 1002,
// not as the normal end (io.EOF) its code 1000 would say.
func TestClientAnswersACloseReasonThatIsNotUTF8With1002(t *testing.T) {
	p := newPeer(t, nil, func(_ *http.Request, c *websocket.Conn) {
		_ = c.Close(websocket.StatusNormalClosure, "bye \xff\xfe")
	})
	c := dial(t, p.URL)
	var v any
	err := c.Receive(testContext(t), &v)
	if ws.CloseStatus(err) != ws.StatusProtocolError {
		t.Fatalf("Receive after a close reason that is not UTF-8 = %v, want a *CloseError with 1002", err)
	}
}
