package resumetest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
	"duplex.dev/eval"
	_ "duplex.dev/examples/chat/design"
	"duplex.dev/expr"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// roomEvent is the chat design's RoomEvent, as the generated client
// validates it.
type roomEvent struct {
	Kind      string `json:"kind"`
	Room      string `json:"room"`
	User      string `json:"user"`
	Timestamp string `json:"timestamp"`
}

// TestTypeScriptClientResumesWithoutLoss serves the chat design's resumable
// join stream with duplex.dev/ws/resume and runs
// testdata/node/resume.test.ts: the client reads 5 events, its connection
// is cut, the server sends 15 more while it is away, and the client must
// see all 20 exactly once, in order.
func TestTypeScriptClientResumesWithoutLoss(t *testing.T) {
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("chat design: %v", err)
	}
	files, err := tsgen.Files("example.com/chat/gen", expr.Root)
	if err != nil {
		t.Fatal(err)
	}
	tools := nodetest.Need(t)
	dir := tools.Setup(t, files, "resume.test.ts")
	for _, impl := range nodetest.WebSockets {
		t.Run("with the "+impl+" WebSocket", func(t *testing.T) {
			tools.Run(t, dir, "resume.test.ts", nodetest.Env("RESUME_URL", serveResumableJoin(t)), nodetest.Env("DUPLEX_WEBSOCKET", impl))
		})
	}
}

// serveResumableJoin serves the chat design's join stream, resumable, and
// POST /continue; it returns the server's URL.
func serveResumableJoin(t *testing.T) string {
	wsrv := ws.NewServer(ws.Config{})
	mgr := resume.NewManager(resume.WithGrace(time.Minute))
	ep := &ws.Endpoint{Service: "chat", Method: "join", Config: ws.Config{Subprotocols: []string{resume.Subprotocol, "chat.v1"}}}
	var once sync.Once
	cont := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /continue", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(cont) })
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		err := wsrv.Handle(w, r, ep, func(ctx context.Context, c *ws.Conn) error {
			if c.Request().Header.Get("Sec-WebSocket-Protocol") == "" {
				return fmt.Errorf("the client did not offer duplex.v1")
			}
			return mgr.Serve(c, "", func(ctx context.Context, s *resume.Session) error {
				room := s.Request().PathValue("room")
				send := func(i int) error {
					return s.Send(ctx, roomEvent{Kind: "joined", Room: room, User: fmt.Sprint(i), Timestamp: time.Now().UTC().Format(time.RFC3339)})
				}
				for i := 1; i <= 5; i++ {
					if err := send(i); err != nil {
						return err
					}
				}
				select {
				case <-cont:
				case <-ctx.Done():
					return ctx.Err()
				}
				for i := 6; i <= 20; i++ {
					if err := send(i); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		once.Do(func() { close(cont) })
		if err := mgr.Close(ctx); err != nil {
			t.Errorf("resume manager close: %v", err)
		}
		if err := wsrv.Shutdown(ctx); err != nil {
			t.Errorf("ws server shutdown: %v", err)
		}
		hs.Close()
	})
	return hs.URL
}
