package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"duplex.dev/ws"

	"e2eapp/gen/e2e"
	cli "e2eapp/gen/http/cli/e2e"
	e2ec "e2eapp/gen/http/e2e/client"
	e2es "e2eapp/gen/http/e2e/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start serves the generated server on 127.0.0.1 and returns its host and
// the service client.
func start(t *testing.T) (string, *e2e.Client) {
	t.Helper()
	srv := e2es.New(e2e.NewEndpoints(Service{}), nil)
	mux := http.NewServeMux()
	srv.Mount(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	host := strings.TrimPrefix(hs.URL, "http://")
	c := e2ec.NewClient("http", host, hs.Client(), ws.DialConfig{})
	return host, e2e.NewClient(c.Add(), c.Sum(), c.Ticks(), c.Echo(), c.Tag())
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestUnaryMethodAnswersJSON(t *testing.T) {
	_, c := start(t)
	got, err := c.Add(testCtx(t), &e2e.AddPayload{A: 2, B: 3})
	if err != nil || got != 5 {
		t.Fatalf("add = %d, %v", got, err)
	}
}

func TestUnaryPayloadFromPathBodyAndHeader(t *testing.T) {
	host, c := start(t)
	trace := "t1"
	got, err := c.Tag(testCtx(t), &e2e.TagPayload{ID: 7, Label: "urgent", Trace: &trace})
	if err != nil || got != "7:urgent:t1" {
		t.Fatalf("tag = %q, %v", got, err)
	}
	// The body carries only what travels in no path, query or header.
	req, err := http.NewRequest("POST", "http://"+host+"/notes/8/tags", strings.NewReader(`{"label":""}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 400 || !strings.Contains(string(b), "label") {
		t.Fatalf("empty label: got %d %s, want 400 naming label", resp.StatusCode, b)
	}
}

func TestClientStreamEndsWithCloseAndRecv(t *testing.T) {
	_, c := start(t)
	ctx := testCtx(t)
	stream, err := c.Sum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 3} {
		if err := stream.SendWithContext(ctx, &e2e.SumStreamingPayload{N: n}); err != nil {
			t.Fatal(err)
		}
	}
	total, err := stream.CloseAndRecvWithContext(ctx)
	if err != nil || total != 6 {
		t.Fatalf("total = %d, %v", total, err)
	}
	closeStream(t, stream)
}

func closeStream(t *testing.T, s any) {
	t.Helper()
	if c, ok := s.(io.Closer); ok {
		_ = c.Close()
	}
}

func TestServerStreamEndsWithEOF(t *testing.T) {
	_, c := start(t)
	ctx := testCtx(t)
	count := 4
	stream, err := c.Ticks(ctx, &e2e.TicksPayload{Token: "good", Count: &count})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, stream)
	for i := range count {
		n, err := stream.RecvWithContext(ctx)
		if err != nil {
			t.Fatalf("recv %d: %v", i, err)
		}
		if n.Text != fmt.Sprint("tick ", i) || n.Author != "server" || n.Seq != i {
			t.Fatalf("note %d = %+v", i, n)
		}
	}
	if _, err := stream.RecvWithContext(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last note: %v, want io.EOF", err)
	}
}

func TestSetViewProjectsResults(t *testing.T) {
	_, c := start(t)
	ctx := testCtx(t)
	count, view := 2, "tiny"
	stream, err := c.Ticks(ctx, &e2e.TicksPayload{Token: "good", Count: &count, View: &view})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, stream)
	for i := range count {
		n, err := stream.RecvWithContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Text != fmt.Sprint("tick ", i) || n.Author != "" || n.Seq != 0 {
			t.Fatalf("tiny note %d = %+v, want only text", i, n)
		}
	}
}

func TestBidirectionalEchoWithConcurrentSendAndRecv(t *testing.T) {
	_, c := start(t)
	ctx := testCtx(t)
	stream, err := c.Echo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, stream)
	const n = 50
	var wg sync.WaitGroup
	var sendErr error
	wg.Go(func() {
		for i := range n {
			if sendErr = stream.SendWithContext(ctx, &e2e.EchoStreamingPayload{Message: fmt.Sprint("m", i)}); sendErr != nil {
				return
			}
		}
		sendErr = stream.(interface{ CloseSend(context.Context) error }).CloseSend(ctx)
	})
	for i := range n {
		r, err := stream.RecvWithContext(ctx)
		if err != nil || r.Message != fmt.Sprint("m", i) {
			t.Fatalf("recv %d = %+v, %v", i, r, err)
		}
	}
	if _, err := stream.RecvWithContext(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the client's null: %v, want io.EOF", err)
	}
	wg.Wait()
	if sendErr != nil {
		t.Fatal(sendErr)
	}
}

func TestInvalidStreamedMessageCloses1007NamingTheAttribute(t *testing.T) {
	_, c := start(t)
	ctx := testCtx(t)
	stream, err := c.Echo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStream(t, stream)
	if err := stream.SendWithContext(ctx, &e2e.EchoStreamingPayload{Message: strings.Repeat("x", 21)}); err != nil {
		t.Fatal(err)
	}
	_, err = stream.RecvWithContext(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != 1007 || !strings.Contains(ce.Reason, "message") {
		t.Fatalf("recv error = %v, want close 1007 naming \"message\"", err)
	}
}

func TestMissingJWTIs401BeforeUpgrade(t *testing.T) {
	host, _ := start(t)
	ctx := testCtx(t)
	c := e2ec.NewClient("http", host, nil, ws.DialConfig{})
	for _, token := range []string{"", "bad"} {
		_, err := c.Ticks()(ctx, &e2e.TicksPayload{Token: token})
		var he *ws.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: dial error = %v, want HTTP 401", token, err)
		}
	}
}

func TestInvalidQueryParameterIs400NamingIt(t *testing.T) {
	host, _ := start(t)
	resp, err := http.Get("http://" + host + "/ticks?token=good&count=abc")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 400 || !strings.Contains(string(b), `\"count\"`) {
		t.Fatalf("got %d %s, want 400 naming count", resp.StatusCode, b)
	}
}

func TestPlainWebSocketClientSpeaksJSONTextFrames(t *testing.T) {
	host, _ := start(t)
	ctx := testCtx(t)
	conn, _, err := websocket.Dial(ctx, "ws://"+host+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte("{\"message\":\"hi\"}\n")); err != nil {
		t.Fatal(err)
	}
	typ, b, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || strings.TrimSpace(string(b)) != `{"message":"hi"}` {
		t.Fatalf("read %v %q %v", typ, b, err)
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte("null")); err != nil {
		t.Fatal(err)
	}
	_, _, err = conn.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after null: %v, want close 1000", err)
	}
}

func TestCLIStreamsJSONLines(t *testing.T) {
	host, _ := start(t)
	var out bytes.Buffer
	in := strings.NewReader("{\"message\":\"hi\"}\n\n{\"message\":\"there\"}\n")
	if err := cli.Run(testCtx(t), "http", host, nil, []string{"e2e", "echo"}, in, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "{\"message\":\"hi\"}\n{\"message\":\"there\"}\n" {
		t.Fatalf("stdout = %q", got)
	}
}

func TestCLIStopsAtABadStdinLineNamingIt(t *testing.T) {
	host, _ := start(t)
	for _, tc := range []struct{ name, input, want string }{
		{"a line that is not JSON", "hi\n", "stdin line 1: not valid JSON"},
		{"a mistyped attribute", `{"message":"ok"}` + "\n" + `{"message":3}` + "\n", `stdin line 2: attribute "message": got a JSON number, want string`},
		{"a missing required attribute", "{}\n", `stdin line 1: "message" is missing`},
		{"a line failing validation", `{"message":"far longer than twenty characters"}` + "\n", "stdin line 1: length of message must be lesser or equal than 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// stdin stays open, as a terminal's does: the CLI must stop at
			// the bad line, not wait for more input or for the server.
			r, w := io.Pipe()
			defer w.Close()
			go func() { _, _ = io.WriteString(w, tc.input) }()
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- cli.Run(testCtx(t), "http", host, nil, []string{"e2e", "echo"}, r, &out) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("cli.Run: %v, want an error containing %q", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				_ = w.CloseWithError(errors.New("test gave up"))
				<-done
				t.Fatal("cli.Run did not return within 5s of a bad stdin line")
			}
		})
	}
}
