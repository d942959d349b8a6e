package natsbroker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// childDirEnv, when set, makes TestKilledProcessKeepsAcknowledgedMessages
// play the process that gets killed: it runs the embedded server on that
// directory, publishes, reports and waits to be killed.
const childDirEnv = "NATSBROKER_TEST_KILLED_CHILD_DIR"

const killedPublished = 20

func TestKilledProcessKeepsAcknowledgedMessages(t *testing.T) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		runKilledChild(dir)
		return
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledProcessKeepsAcknowledgedMessages$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	// The child waits for its stdin to close, which happens when this
	// process ends; it is killed long before.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	lines := bufio.NewScanner(out)
	acked := ""
	for lines.Scan() {
		if s, ok := strings.CutPrefix(lines.Text(), "acknowledged "); ok {
			acked = s
			break
		}
	}
	// SIGKILL: no shutdown code runs in the child.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	_ = cmd.Wait()
	if acked != fmt.Sprint(killedPublished) {
		t.Fatalf("child reported %q acknowledged messages, want %d", acked, killedPublished)
	}

	_, url := startServer(t, dir)
	b, _ := newBroker(t, url)
	h, err := b.History(ctx, "general", 0, 0)
	if err != nil {
		t.Fatalf("History after kill: %v", err)
	}
	if len(h) != killedPublished || h[len(h)-1].Seq != killedPublished {
		t.Fatalf("History after kill has %d messages, want %d", len(h), killedPublished)
	}
	if seq, err := b.Publish(ctx, "general", buildPayload(0, killedPublished)); err != nil || seq != killedPublished+1 {
		t.Fatalf("Publish after kill = %d, %v; want %d", seq, err, killedPublished+1)
	}
}

// runKilledChild publishes killedPublished messages to an embedded server
// on dir, prints how many were acknowledged, and waits for the parent to
// kill it (or to end, closing the child's stdin).
func runKilledChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	_, url, err := RunEmbedded(dir)
	if err != nil {
		fail(err)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		fail(err)
	}
	b, err := New(nc)
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for n := range killedPublished {
		if _, err := b.Publish(ctx, "general", buildPayload(0, n)); err != nil {
			fail(err)
		}
	}
	fmt.Printf("acknowledged %d\n", killedPublished)
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(3)
}
