package chatd_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
)

// childDataEnv makes the test binary a chatd -data child process (see
// TestChatdChildProcess).
const childDataEnv = "DUPLEX_CHATD_TEST_CHILD_DATA"

// TestChatdChildProcess is not a test: run by TestDataDirSurvivesSIGKILL
// as a child process with childDataEnv set, it serves chatd with that data
// directory on 127.0.0.1, prints the address and serves until it is killed.
func TestChatdChildProcess(t *testing.T) {
	dir := os.Getenv(childDataEnv)
	if dir == "" {
		t.Skip("helper process of TestDataDirSurvivesSIGKILL")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	err = chatd.Serve(context.Background(), ln, chatd.Config{DataDir: dir, JWTSecret: []byte("test secret"), Logger: slog.New(slog.DiscardHandler)})
	t.Fatalf("chatd child: Serve returned %v", err)
}

// TestDataDirSurvivesSIGKILL runs chatd -data in a child process, posts
// messages, kills it with SIGKILL (no shutdown at all) and starts chatd
// again on the same directory: every acknowledged message is in history
// and the sequence continues.
func TestDataDirSurvivesSIGKILL(t *testing.T) {
	ctx := clusterContext(t)
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChatdChildProcess$")
	cmd.Env = append(os.Environ(), childDataEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// kill stops the child with SIGKILL and waits for it, after its output
	// has been read to the end (as cmd.Wait requires).
	drained := make(chan struct{})
	var killOnce sync.Once
	kill := func() {
		killOnce.Do(func() {
			if err := cmd.Process.Kill(); err != nil {
				t.Errorf("kill chatd child: %v", err)
			}
			<-drained
			_ = cmd.Wait()
		})
	}
	t.Cleanup(kill)
	lines := bufio.NewScanner(out)
	var host string
	for host == "" && lines.Scan() {
		host, _ = strings.CutPrefix(lines.Text(), "listening ")
	}
	go func() {
		defer close(drained)
		_, _ = io.Copy(io.Discard, out)
	}()
	if host == "" {
		t.Fatalf("child chatd did not say where it listens: %v", lines.Err())
	}

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	child := &node{host: host, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	tok := child.login(t, ctx, "carol")
	var want []string
	for i := range 7 {
		m, err := child.client().Send(ctx, &chat.SendPayload{Token: tok, Room: "crash", Text: fmt.Sprint("acked ", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d carol %s", m.Sequence, m.Text))
	}
	kill()

	again := startChatd(t, chatd.Config{DataDir: dir})
	hist, err := again.client().History(ctx, &chat.HistoryPayload{Token: tok, Room: "crash", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range hist {
		got = append(got, fmt.Sprintf("%d %s %s", m.Sequence, m.From, m.Text))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("history after SIGKILL and restart %q, want %q", got, want)
	}
	m, err := again.client().Send(ctx, &chat.SendPayload{Token: tok, Room: "crash", Text: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sequence != int64(len(want)+1) {
		t.Fatalf("first message after the restart has sequence %d, want %d", m.Sequence, len(want)+1)
	}
}
