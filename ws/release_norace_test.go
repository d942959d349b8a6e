//go:build !race

package ws

import (
	"context"
	"errors"
	"io"
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
	perConn := idleStackPerConn(t, echoHandler)
	t.Logf("stack per idle connection: %d B", perConn)
	if perConn > 5<<10 {
		t.Errorf("stack per idle connection = %d B, want at most 4 KB (and the client's share)", perConn)
	}
}

// TestIdleDeepHandlerStackShrinks checks the same for a handler written
// the way generated code reads and answers (ReceiveRaw, Decode, Send),
// whose frame holds 512 bytes more: it waits for the socket just below
// ReceiveRaw, and the frames Duplex puts below the handler (serve, 72
// bytes) leave its own frames about 600 bytes of the 1,248 at which the
// garbage collector halves an 8 KB stack. Its stack stayed at 8 KB when
// only Receive waited for the socket (ReceiveRaw parked inside the
// library's frame reader, as the generated servers did), and at 5 KB on
// average with the wait but serve and run below the handler (152 bytes).
func TestIdleDeepHandlerStackShrinks(t *testing.T) {
	perConn := idleStackPerConn(t, paddedEcho)
	t.Logf("stack per idle connection: %d B", perConn)
	if perConn > 5<<10 {
		t.Errorf("stack per idle connection = %d B, want at most 4 KB (and the client's share)", perConn)
	}
}

// framePad is how many bytes paddedEcho's frame holds beyond its work.
const framePad = 512

// paddedEcho is an echo handler written the way generated code reads and
// answers (ReceiveRaw, Decode, Send), with a larger frame (a live array
// of framePad bytes), as a handler with more locals or deeper calls (a
// user's wrapper) has.
//
//go:noinline
func paddedEcho(ctx context.Context, c *Conn) error {
	var pad [framePad]byte
	for i := 0; ; i++ {
		b, err := c.ReceiveRaw(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		pad[i%framePad] = b[0] // keeps pad live across the wait
		var v struct {
			Text string `json:"text"`
		}
		if err := Decode(b, &v); err != nil { // grows the stack past 4 KB, as generated decoding does
			return err
		}
		if err := c.Send(ctx, v); err != nil {
			return err
		}
		if pad[(i+1)%framePad] == 0xff {
			return errors.New("unreachable: JSON text does not start with 0xff")
		}
	}
}

// idleStackPerConn opens 200 connections to h, echoes one message of 512
// bytes on each (which grows the handler's stack past 4 KB), and returns
// the stack memory held per connection once they idle.
func idleStackPerConn(t *testing.T, h func(context.Context, *Conn) error) int64 {
	t.Helper()
	const n = 200
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
	ep := &Endpoint{Service: "test", Method: "echo"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Handle(w, r, ep, h)
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
	return (stackInUse() - before) / n
}

// stackInUse returns the memory held by goroutine stacks after a garbage
// collection (which shrinks the stacks that allow it).
func stackInUse() int64 {
	// Each collection halves an idle stack at most once: two let an 8 KB
	// stack that uses under 1 KB reach 2 KB.
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
