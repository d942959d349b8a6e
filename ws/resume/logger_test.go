package resume_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// lockedBuffer is a log destination safe from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHandlerPanicIsLoggedToTheServersLogger: a resumable handler's panic
// is logged through the logger the ws.Server was given, with the
// endpoint's names, not through slog's default logger.
func TestHandlerPanicIsLoggedToTheServersLogger(t *testing.T) {
	var configured, global lockedBuffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&global, nil)))

	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}, Logger: slog.New(slog.NewTextHandler(&configured, nil))})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "test", Method: "panics"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			return mgr.Serve(c, "", func(_ context.Context, s *resume.Session) error {
				if err := s.Start(); err != nil { // upgrade: a panic before it is the request's error
					return err
				}
				panic("boom")
			})
		})
	}))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := resume.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v any
	if err := s.Receive(ctx, &v); ws.CloseStatus(err) != ws.StatusInternalError {
		t.Fatalf("Receive = %v, want close 1011", err)
	}
	if got := configured.String(); !strings.Contains(got, "resume: handler panicked") || !strings.Contains(got, "method=panics") {
		t.Errorf("the server's logger did not get the panic:\n%s", got)
	}
	if got := global.String(); strings.Contains(got, "panicked") {
		t.Errorf("the panic went to slog's default logger:\n%s", got)
	}
}
