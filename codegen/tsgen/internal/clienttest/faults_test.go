package clienttest_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
	"duplex.dev/eval"
	"duplex.dev/examples/chat/chatd"
	_ "duplex.dev/examples/chat/design"
	"duplex.dev/expr"
	"duplex.dev/ws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestTypeScriptClientUnderFaults runs faults.test.ts against two chat
// servers sharing a JWT secret, once per WebSocket implementation. The
// first can be restarted (POST /down, /up on the control server), can
// refuse the next upgrades with a status and Retry-After (POST /refuse),
// and can end every subscribe stream with 1011 right after its upgrade
// (POST /flaky?mode=fail) or when told (mode=hold, then POST /kick).
func TestTypeScriptClientUnderFaults(t *testing.T) {
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("chat design: %v", err)
	}
	files, err := tsgen.Files("example.com/chat/gen", expr.Root)
	if err != nil {
		t.Fatal(err)
	}
	tools := nodetest.Need(t)
	dir := tools.Setup(t, files, "faults.test.ts")
	for _, impl := range nodetest.WebSockets {
		t.Run("with the "+impl+" WebSocket", func(t *testing.T) {
			a := startFaulty(t)
			b := startFaulty(t)
			dead := deadURL(t)
			tools.Run(t, dir, "faults.test.ts",
				nodetest.Env("DUPLEX_WEBSOCKET", impl),
				nodetest.Env("SERVER_URL", a.url), nodetest.Env("CONTROL_URL", a.control),
				nodetest.Env("OTHER_URL", b.url), nodetest.Env("DEAD_URL", dead))
		})
	}
}

var secret = []byte("clienttest-secret")

// faulty is a chatd on a fixed address behind a handler that injects
// faults, and a control server that switches them.
type faulty struct {
	url, control string

	addr string
	mu   sync.Mutex
	srv  *http.Server  // nil while down
	chat *chatd.Server // nil while down

	refuse     atomic.Int64 // upgrades still to refuse
	status     atomic.Int64
	retryAfter atomic.Int64
	flaky      atomic.Value // "" (off), "fail" (close 1011 at once) or "hold" (until POST /kick)
	flakyWS    *ws.Server
	kick       chan struct{} // closed by POST /kick
	kickMu     sync.Mutex
}

func startFaulty(t *testing.T) *faulty {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &faulty{addr: l.Addr().String(), flakyWS: ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)}), kick: make(chan struct{})}
	f.flaky.Store("")
	f.url = "http://" + f.addr
	if err := f.up(l); err != nil {
		t.Fatal(err)
	}
	control := http.NewServeMux()
	control.HandleFunc("POST /down", func(w http.ResponseWriter, r *http.Request) {
		if err := f.down(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	control.HandleFunc("POST /up", func(w http.ResponseWriter, r *http.Request) {
		l, err := net.Listen("tcp", f.addr)
		if err == nil {
			err = f.up(l)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	control.HandleFunc("POST /refuse", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		status, _ := strconv.Atoi(q.Get("status"))
		after, _ := strconv.Atoi(q.Get("retry-after"))
		n, _ := strconv.Atoi(q.Get("n"))
		f.status.Store(int64(status))
		f.retryAfter.Store(int64(after))
		f.refuse.Store(int64(n))
	})
	control.HandleFunc("POST /flaky", func(w http.ResponseWriter, r *http.Request) {
		f.flaky.Store(r.URL.Query().Get("mode"))
	})
	control.HandleFunc("POST /kick", func(w http.ResponseWriter, r *http.Request) {
		f.kickMu.Lock()
		close(f.kick)
		f.kick = make(chan struct{})
		f.kickMu.Unlock()
	})
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	csrv := &http.Server{Handler: control}
	go func() { _ = csrv.Serve(cl) }()
	f.control = "http://" + cl.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = csrv.Shutdown(ctx)
		if err := f.down(ctx); err != nil {
			t.Errorf("stop chatd: %v", err)
		}
		if err := f.flakyWS.Shutdown(ctx); err != nil {
			t.Errorf("stop the flaky WebSocket server: %v", err)
		}
	})
	return f
}

// up serves a new chatd on l.
func (f *faulty) up(l net.Listener) error {
	c, err := chatd.New(chatd.Config{JWTSecret: secret, Logger: slog.New(slog.DiscardHandler), ShutdownTimeout: 5 * time.Second})
	if err != nil {
		_ = l.Close()
		return err
	}
	srv := &http.Server{Handler: f.inject(c)}
	f.mu.Lock()
	f.srv, f.chat = srv, c
	f.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
	return nil
}

// down stops listening and shuts the chatd down (1001 to every stream).
func (f *faulty) down(ctx context.Context) error {
	f.mu.Lock()
	srv, c := f.srv, f.chat
	f.srv, f.chat = nil, nil
	f.mu.Unlock()
	if srv == nil {
		return nil
	}
	_ = srv.Close() // the listener first: new connections are refused
	return errors.Join(c.Shutdown(ctx))
}

// inject answers upgrades with the faults switched on, and passes the
// rest to next.
func (f *faulty) inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" && f.refuse.Add(-1) >= 0 {
			if s := f.retryAfter.Load(); s > 0 {
				w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
			}
			http.Error(w, "refused by the test", int(f.status.Load()))
			return
		}
		if mode := f.flaky.Load().(string); r.URL.Path == "/subscribe" && mode != "" {
			f.kickMu.Lock()
			kick := f.kick
			f.kickMu.Unlock()
			_ = f.flakyWS.Handle(w, r, &ws.Endpoint{Service: "chat", Method: "subscribe"}, func(ctx context.Context, c *ws.Conn) error {
				if err := c.Upgrade(); err != nil {
					return err
				}
				if mode == "hold" {
					select {
					case <-kick:
					case <-ctx.Done():
						return nil
					}
				}
				return errors.New("failing after the upgrade") // 1011
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// deadURL returns the URL of a port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}
