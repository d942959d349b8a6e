package web_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatclient "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/ws"
)

// buildChatd builds examples/chat/cmd/chatd into a temporary directory and
// returns the binary.
func buildChatd(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		skipWithout(t, []string{"the go command (to build chatd)"})
	}
	bin := filepath.Join(t.TempDir(), "chatd")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "duplex.dev/examples/chat/cmd/chatd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build chatd: %v\n%s", err, out)
	}
	return bin
}

// chatdProcess is chatd running as a child process, with its log.
type chatdProcess struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the log has been read to the end
	mu   *sync.Mutex
	log  *bytes.Buffer
}

// startChatd runs bin with args, waits until it logs the URL it listens
// on and returns the process and the address.
func startChatd(bin string, log *bytes.Buffer, mu *sync.Mutex, args ...string) (*chatdProcess, string, error) {
	cmd := exec.Command(bin, args...)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", fmt.Errorf("chatd stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start chatd: %w", err)
	}
	p := &chatdProcess{cmd: cmd, done: make(chan struct{}), mu: mu, log: log}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			log.WriteString(line + "\n")
			mu.Unlock()
			if _, url, ok := strings.Cut(line, " url=http://"); ok && strings.Contains(line, "chatd listening") {
				select {
				case addr <- strings.TrimSuffix(strings.Fields(url)[0], "/"):
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		return p, a, nil
	case <-p.done:
		p.wait()
		return nil, "", errors.New("chatd exited before listening (see its log)")
	case <-time.After(30 * time.Second):
		p.kill()
		return nil, "", errors.New("chatd did not say where it listens within 30 s")
	}
}

// kill stops chatd with SIGKILL: no shutdown, no flush, no close frames.
func (p *chatdProcess) kill() {
	_ = p.cmd.Process.Kill()
	p.wait()
}

func (p *chatdProcess) wait() {
	<-p.done
	_ = p.cmd.Wait()
}

// TestWebPageSurvivesChatdSIGKILL runs chatd -data in a child process; two
// Chromium pages chat, chatd is killed with SIGKILL and started again on
// the same directory and port, a message is posted as soon as it is back,
// and the pages show the reconnect banner, reconnect by themselves and
// resume after the last sequence they saw: every earlier message once, in
// sequence order, the one posted meanwhile, then they chat again; a page
// that reloads gets the same history from the server.
func TestWebPageSurvivesChatdSIGKILL(t *testing.T) {
	_, _, missing := browserTools()
	skipWithout(t, missing)
	bin := buildChatd(t)
	dir := t.TempDir()
	const secret = "browser sigkill secret"

	var logMu sync.Mutex
	var logs bytes.Buffer
	var mu sync.Mutex // guards proc
	proc, addr, err := startChatd(bin, &logs, &logMu, "-addr", "127.0.0.1:0", "-data", dir, "-jwt-secret", secret)
	if err != nil {
		t.Fatalf("%v\nchatd log:\n%s", err, logs.String())
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if proc != nil {
			proc.kill()
		}
	}()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	cl := chatclient.NewClient("http", addr, hc, ws.DialConfig{})

	restart := func() error {
		p, _, err := startChatd(bin, &logs, &logMu, "-addr", addr, "-data", dir, "-jwt-secret", secret)
		if err != nil {
			return err
		}
		mu.Lock()
		proc = p
		mu.Unlock()
		// Posted as soon as chatd is back, before or after the pages
		// reconnect: they must show it once, in order, either way.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := chat.NewClient(cl.Login(), cl.Listener(), cl.Subscribe(), cl.Echo(), cl.Join(), cl.Send(), cl.History(), cl.Analytics(), cl.Session())
		tok, err := c.Login(ctx, &chat.LoginPayload{User: "carol", Password: "secret"})
		if err != nil {
			return fmt.Errorf("log in to the restarted chatd: %w", err)
		}
		m, err := c.Send(ctx, &chat.SendPayload{Token: tok, Room: "browser-sigkill", Text: "posted while you were away"})
		if err != nil {
			return fmt.Errorf("post to the restarted chatd: %w", err)
		}
		t.Logf("carol posted #%d after the restart", m.Sequence)
		return nil
	}

	const crashed = 6 // messages the pages exchange before the kill (browser.mjs)
	var killedAt int  // length of the log when chatd died
	runBrowser(t, "sigkill", "http://"+addr+"/", map[string]func() error{
		"KILL": func() error {
			mu.Lock()
			defer mu.Unlock()
			proc.kill()
			proc = nil
			logMu.Lock()
			killedAt = logs.Len()
			logMu.Unlock()
			return nil
		},
		"START": restart,
	}, func() {
		logMu.Lock()
		defer logMu.Unlock()
		t.Log("chatd log:\n" + logs.String())
	})

	// The pages joined the restarted chatd after the last message they had
	// (join's "after"), not from the start: resumed, not replayed.
	logMu.Lock()
	restarted := logs.String()[killedAt:]
	logMu.Unlock()
	for _, user := range []string{"alice", "bob"} {
		after, ok := firstJoinAfter(restarted, user)
		if !ok {
			t.Errorf("the restarted chatd logged no join of %s with after:\n%s", user, restarted)
		} else if after < crashed {
			t.Errorf("%s rejoined the restarted chatd with after=%d, want at least %d (the last sequence the page had)", user, after, crashed)
		}
	}
}

// firstJoinAfter returns the "after" of user's first join of a room in a
// chatd log.
func firstJoinAfter(log, user string) (int, bool) {
	for line := range strings.Lines(log) {
		if !strings.Contains(line, `msg="joined room"`) || !strings.Contains(line, " user="+user+" ") {
			continue
		}
		for f := range strings.FieldsSeq(line) {
			if v, ok := strings.CutPrefix(f, "after="); ok {
				n, err := strconv.Atoi(v)
				return n, err == nil
			}
		}
		return 0, false
	}
	return 0, false
}
