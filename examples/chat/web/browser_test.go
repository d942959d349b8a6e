package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/examples/chat/chatd"
)

// browserTools returns the Chromium and node the browser test needs, or
// why it cannot run.
func browserTools() (chromium, node string, missing []string) {
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, fmt.Sprintf("Chromium (%s: apt-get install chromium)", chromium))
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node (apt-get install nodejs)")
	}
	if _, err := os.Stat(filepath.Join("test", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "playwright-core (cd examples/chat/web/test && npm ci)")
	}
	return chromium, node, missing
}

// chatServer is a chatd the test stops and starts again on the same port.
type chatServer struct {
	t    *testing.T
	addr string
	cfg  chatd.Config

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

func (s *chatServer) start(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chatd.Serve(ctx, ln, s.cfg) }()
	s.mu.Lock()
	s.cancel, s.done = cancel, done
	s.mu.Unlock()
}

func (s *chatServer) restart() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen again on %s: %w", s.addr, err)
	}
	s.start(ln)
	return nil
}

func (s *chatServer) stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	if err := <-done; err != nil {
		s.t.Errorf("chatd: %v", err)
	}
}

// skipWithout skips the test with a message when something it needs is
// missing, or fails it when CI=true.
func skipWithout(t *testing.T, missing []string) {
	t.Helper()
	if len(missing) == 0 {
		return
	}
	msg := "browser test needs " + strings.Join(missing, ", ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (mandatory when CI=true)")
}

// runBrowser runs test/browser.mjs SCENARIO against url and answers its
// requests: for a line "NAME" with a handler in on, it runs the handler and
// writes the lowercase past tense the script waits for (see browser.mjs).
// It returns the screenshot directory, and fails the test if the script
// fails or never asked for one of the requests in on.
func runBrowser(t *testing.T, scenario, url string, on map[string]func() error, onFail func()) string {
	t.Helper()
	chromium, node, missing := browserTools()
	skipWithout(t, missing)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	shots := t.ArtifactDir()
	cmd := exec.CommandContext(ctx, node, "browser.mjs", scenario, url, shots)
	cmd.Dir = "test"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	asked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser: " + line)
		h, ok := on[line]
		if !ok {
			continue
		}
		asked[line] = true
		err := h()
		if err == nil {
			_, err = io.WriteString(stdin, answers[line]+"\n")
		}
		if err != nil {
			t.Errorf("answering %s: %v", line, err)
			cancel()
		}
	}
	stdin.Close()
	werr := cmd.Wait()
	if s := stderr.String(); s != "" {
		t.Log("browser stderr:\n" + s)
	}
	t.Logf("screenshots in %s (keep them with go test -artifacts -outputdir DIR)", shots)
	if werr != nil {
		if onFail != nil {
			onFail()
		}
		t.Fatalf("node browser.mjs %s: %v", scenario, werr)
	}
	for req := range on {
		if !asked[req] {
			t.Fatalf("the browser script passed without asking for %s", req)
		}
	}
	return shots
}

// answers are the replies browser.mjs waits for after each request.
var answers = map[string]string{"STOP": "stopped", "START": "started", "KILL": "killed"}

// TestWebPageInChromium runs test/browser.mjs: two Chromium pages chat
// through the generated TypeScript client, see each other's presence, and
// recover by themselves when chatd restarts (in memory: the pages notice
// the history is gone). It skips when Chromium or the npm packages are
// missing, unless CI=true.
func TestWebPageInChromium(t *testing.T) {
	_, _, missing := browserTools()
	skipWithout(t, missing)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	srv := &chatServer{t: t, addr: ln.Addr().String(), cfg: chatd.Config{
		// The same secret across the restart: the pages' tokens stay valid.
		JWTSecret: []byte("browser test secret"),
		Logger:    slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil)),
	}}
	srv.start(ln)
	defer srv.stop()

	runBrowser(t, "restart", "http://"+srv.addr+"/", map[string]func() error{
		"STOP":  func() error { srv.stop(); return nil },
		"START": srv.restart,
	}, func() {
		logMu.Lock()
		defer logMu.Unlock()
		t.Log("chatd log:\n" + logs.String())
	})
}

// lockedWriter serialises writes to w; both chatd instances log to it.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
