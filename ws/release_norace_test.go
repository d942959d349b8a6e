//go:build !race

package ws

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// (Not under the race detector, which enlarges every frame.)

// TestIdleHandlerStackShrinks checks that the goroutine of a handler idle in
// Receive, after it has decoded and answered a message (which grows its
// stack past 4 KB), holds at most 4 KB of stack once the garbage collector
// ran: it waits for the socket a few frames below Receive, on a goroutine
// of its own. It was 8 KB when the handler ran on net/http's goroutine and
// waited inside the library's frame reader.
func TestIdleHandlerStackShrinks(t *testing.T) {
	const n = 200
	srv := NewServer(WithLogger(slog.New(slog.DiscardHandler)))
	ep := &Endpoint{Service: "test", Method: "echo"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Handle(w, r, ep, echoHandler)
	}))
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before := stackInUse()
	for range n {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		msg := `{"text":"` + strings.Repeat("x", 512) + `"}`
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	perConn := (stackInUse() - before) / n
	t.Logf("stack per idle connection: %d B", perConn)
	if perConn > 5<<10 {
		t.Errorf("stack per idle connection = %d B, want at most 4 KB (and the client's share)", perConn)
	}
}

// stackInUse returns the memory held by goroutine stacks after a garbage
// collection (which shrinks the stacks that allow it).
func stackInUse() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
