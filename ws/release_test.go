package ws

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type releaseKey struct{}

// TestUpgradeLetsTheRequestGo checks that once a stream is upgraded, the
// request net/http handed to Handle can be collected while the handler
// runs on (Handle returned, net/http's goroutine ended), and that what
// Request returns keeps the URL, the path values, the kept headers and the
// context's values, and nothing else.
func TestUpgradeLetsTheRequestGo(t *testing.T) {
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
	ep := &Endpoint{Service: "test", Method: "hold"}
	collected := make(chan struct{})
	kept := make(chan *http.Request, 1)
	returned := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hold/{name}", func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), releaseKey{}, "value"))
		runtime.AddCleanup(r, func(ch chan struct{}) { close(ch) }, collected)
		returned <- srv.Handle(w, r, ep, func(ctx context.Context, c *Conn) error {
			if err := c.Upgrade(); err != nil {
				return err
			}
			kept <- c.Request()
			var s string
			if err := c.Receive(ctx, &s); err != nil {
				return err
			}
			return c.Send(ctx, s)
		})
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{"X-Request-Id": {"req-1"}, "Authorization": {"Bearer secret"}}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/hold/alice?x=1", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	req := <-kept
	select {
	case err := <-returned:
		if err != nil {
			t.Fatalf("Handle = %v, want nil once upgraded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Handle did not return once the stream was upgraded")
	}
	for i := 0; ; i++ {
		runtime.GC()
		select {
		case <-collected:
		case <-time.After(10 * time.Millisecond):
			if i < 200 {
				continue
			}
			t.Fatal("the upgrade request is still reachable while the handler runs")
		}
		break
	}
	if got := req.PathValue("name"); got != "alice" {
		t.Errorf(`Request().PathValue("name") = %q, want alice`, got)
	}
	if got := req.URL.Query().Get("x"); got != "1" {
		t.Errorf("Request().URL query x = %q, want 1", got)
	}
	if got := req.Header.Get("X-Request-Id"); got != "req-1" {
		t.Errorf("Request() X-Request-Id = %q, want req-1", got)
	}
	if got := req.Header.Get("Authorization"); got != "" {
		t.Errorf("Request() kept Authorization %q", got)
	}
	if got := req.Context().Value(releaseKey{}); got != "value" {
		t.Errorf("Request().Context() value = %v, want the handler's", got)
	}
	// The handler runs on, its context alive though net/http's request
	// context ended when Handle returned.
	if err := c.Write(ctx, websocket.MessageText, []byte(`"ping"`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := c.Read(ctx); err != nil || string(b) != `"ping"` {
		t.Fatalf("echo = %q, %v", b, err)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after the handler returned: %v, want close 1000", err)
	}
}
