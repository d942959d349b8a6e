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

// TestWebPageInChromium runs test/browser.mjs: two Chromium pages chat,
// see each other's presence, and recover by themselves when chatd restarts.
// It skips when Chromium or the npm packages are missing, unless CI=true.
func TestWebPageInChromium(t *testing.T) {
	chromium, node, missing := browserTools()
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, ", ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (mandatory when CI=true)")
	}

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

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	shots := t.ArtifactDir()
	cmd := exec.CommandContext(ctx, node, "browser.mjs", "http://"+srv.addr+"/", shots)
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

	var stopped, started bool
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser: " + line)
		switch line {
		case "STOP":
			srv.stop()
			stopped = true
			_, err = io.WriteString(stdin, "stopped\n")
		case "START":
			if err = srv.restart(); err == nil {
				started = true
				_, err = io.WriteString(stdin, "started\n")
			}
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
		logMu.Lock()
		t.Log("chatd log:\n" + logs.String())
		logMu.Unlock()
		t.Fatalf("node browser.mjs: %v", werr)
	}
	if !stopped || !started {
		t.Fatalf("the browser script passed without asking for the restart (stopped %v, started %v)", stopped, started)
	}
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
