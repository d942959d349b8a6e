//go:build !race

package duplex

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"duplex.dev/bench/duplexrt"
)

// stackBytes returns the memory held by goroutine stacks after a garbage
// collection (which shrinks the stacks that allow it).
func stackBytes() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// idleStackPerConn opens n echo streams on h, echoes one message on each,
// and returns the stack memory the server holds per idle connection.
func idleStackPerConn(t *testing.T, h http.Handler, n int) int64 {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
	before := stackBytes()
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.WriteMessage(websocket.TextMessage, []byte("null"))
			_, _, _ = c.ReadMessage() // the close frame
			_ = c.Close()
		}
	}()
	for range n {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"message":"hello"}`)); err != nil {
			t.Fatalf("send: %v", err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			t.Fatalf("echo: %v", err)
		}
	}
	return (stackBytes() - before) / int64(n)
}

// TestIdleStackLikeRuntime checks that an idle stream of the generated
// server holds no more goroutine stack than the same endpoint written on
// duplex.dev/ws: the deeper call chain of generated code must not leave the
// handler's goroutine with a grown stack (it was 16 KB instead of 8 KB when
// the WebSocket handshake ran below the generated frames). Each server is
// measured in a process of its own: stacks freed by the first measurement
// stay with the runtime and would be reused, unseen, by the second.
func TestIdleStackLikeRuntime(t *testing.T) {
	rt, gen := idleStackIn(t, "runtime"), idleStackIn(t, "generated")
	t.Logf("stack per idle connection: generated %d B, runtime %d B", gen, rt)
	if rt <= 0 || gen <= 0 {
		t.Fatalf("no stack measured per idle connection (generated %d B, runtime %d B)", gen, rt)
	}
	if gen > rt+1024 {
		t.Errorf("generated server holds %d B of stack per idle connection, the runtime alone %d B", gen, rt)
	}
}

// idleStackEnv names the server TestIdleStackOf measures in a child process.
const idleStackEnv = "DUPLEX_BENCH_IDLE_STACK"

// idleStackIn runs TestIdleStackOf for server ("runtime" or "generated") in
// a child process and returns the stack bytes per idle connection it found.
func idleStackIn(t *testing.T, server string) int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleStackOf$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), idleStackEnv+"="+server)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("measure %s: %v\n%s", server, err, out)
	}
	m := regexp.MustCompile(`idle stack: (-?\d+) B`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("measure %s: no figure in\n%s", server, out)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// TestIdleStackOf measures one server for TestIdleStackLikeRuntime.
func TestIdleStackOf(t *testing.T) {
	const n = 200
	logger := slog.New(slog.DiscardHandler)
	var h http.Handler
	switch os.Getenv(idleStackEnv) {
	case "":
		t.Skip("run by TestIdleStackLikeRuntime in a process of its own")
	case "runtime":
		h = duplexrt.NewHandler(logger)
	case "generated":
		h = NewHandler(logger)
	default:
		t.Fatalf("%s=%q: want runtime or generated", idleStackEnv, os.Getenv(idleStackEnv))
	}
	t.Logf("idle stack: %d B", idleStackPerConn(t, h, n))
}
