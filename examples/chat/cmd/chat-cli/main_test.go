package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/examples/chat/chatd"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// closeLog is a slog handler that reports the close code of every
// "websocket closed" event the server logs.
type closeLog struct{ codes chan int64 }

func (h closeLog) Enabled(context.Context, slog.Level) bool { return true }
func (h closeLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h closeLog) WithGroup(string) slog.Handler            { return h }
func (h closeLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "websocket closed" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "code" {
			select {
			case h.codes <- a.Value.Int64():
			default:
			}
		}
		return true
	})
	return nil
}

// startChat serves the chat example on 127.0.0.1 and returns its URL and
// the close codes of the streams it ends.
func startChat(t *testing.T) (string, <-chan int64) {
	t.Helper()
	codes := make(chan int64, 16)
	s, err := chatd.New(chatd.Config{JWTSecret: []byte("0123456789abcdef0123456789abcdef"), Logger: slog.New(closeLog{codes})})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return hs.URL, codes
}

// buildCLI builds chat-cli into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat-cli")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// exitCode waits up to 5 s for cmd to exit and returns its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("chat-cli did not exit within 5s")
		return -1
	}
}

func TestSignalClosesTheStreamWith1000(t *testing.T) {
	if testing.Short() {
		t.Skip("builds chat-cli; skipped with -short")
	}
	bin := buildCLI(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			url, codes := startChat(t)
			cmd := exec.Command(bin, "-url", url, "chat", "echo")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The echo proves the stream is open before the signal.
			if _, err := io.WriteString(stdin, `{"message":"hi"}`+"\n"); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || line != `{"message":"hi"}`+"\n" {
				t.Fatalf("echo: %q, %v", line, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd); code != 130 {
				t.Errorf("exit code %d after %v, want 130; stderr:\n%s", code, sig, stderr.String())
			}
			select {
			case code := <-codes:
				if code != 1000 {
					t.Errorf("the server saw the stream end with %d, want 1000", code)
				}
			case <-time.After(5 * time.Second):
				t.Error("the server logged no end of the stream within 5s")
			}
		})
	}
}

func TestBadStdinLineExitsAtOnceNamingTheLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds chat-cli; skipped with -short")
	}
	bin := buildCLI(t)
	url, _ := startChat(t)
	for _, tc := range []struct {
		name, input, want string
	}{
		{"not JSON", "hi\n", "stdin line 1: not valid JSON: invalid character 'h'"},
		{"a mistyped attribute", `{"message":"ok"}` + "\n\n" + `{"message":3}` + "\n", `stdin line 3: attribute "message": got a JSON number, want string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-url", url, "chat", "echo")
			// stdin stays open, as a terminal's does: the CLI must not wait
			// for its end.
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			cmd.Stdin = r
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, tc.input); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestHelpExitsZeroWithUsage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds chat-cli; skipped with -short")
	}
	bin := buildCLI(t)
	for _, args := range [][]string{{"-h"}, {"chat", "join", "-h"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("chat-cli %v: %v\n%s", args, err, out)
		}
		if !strings.Contains(string(out), "usage: chat-cli") || !strings.Contains(string(out), "-url") && !strings.Contains(string(out), "-room") {
			t.Errorf("chat-cli %v printed no usage:\n%s", args, out)
		}
	}
}
