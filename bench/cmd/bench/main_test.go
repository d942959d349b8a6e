package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestBaselineServerAnswers runs the command with -baseline HEAD on one
// short scenario: besides duplex, a server duplex@HEAD built from a
// temporary worktree of HEAD must run in the same round and answer, the
// report must compare the two, and the worktree must be gone afterwards.
func TestBaselineServerAnswers(t *testing.T) {
	short, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		t.Skipf("no git repository here: %v", err)
	}
	name := "duplex@" + strings.TrimSpace(string(short))
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "report.md")
	var stdout bytes.Buffer
	var stderr lockedBuffer // every server process writes to it
	err = run(ctx, []string{"-short", "-q", "-baseline", "HEAD", "-servers", "duplex", "-clients", "gorilla",
		"-conns", "2", "-scenarios", "^echo 64 B × 2 conns, window 1,", "-out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	report := stdout.String()
	// The baseline's row has a measured throughput, not "failed".
	row := regexp.MustCompile(`(?m)^\| echo 64 B × 2 conns, window 1, gorilla \| ` + regexp.QuoteMeta(name) + ` \| [0-9.]+k? msg/s \|`)
	if !row.MatchString(report) {
		t.Errorf("no measured row for %s in the report:\n%s", name, report)
	}
	if !strings.Contains(report, "| echo 64 B × 2 conns, window 1, gorilla | duplex | "+name+" | ") {
		t.Errorf("no comparison of duplex with %s in the report:\n%s", name, report)
	}
	m := regexp.MustCompile(`worktree of \S+ at (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no worktree named on standard error:\n%s", stderr.String())
	}
	list, err := exec.Command("git", "worktree", "list", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(list), m[1]) {
		t.Errorf("the baseline's worktree %s is still registered:\n%s", m[1], list)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the baseline's worktree %s is still on disk (stat: %v)", m[1], err)
	}
}

// TestBaselineRefusals checks that -baseline names what is wrong before
// anything is built or started: a revision that does not exist, and no
// duplex server to compare with its baseline.
func TestBaselineRefusals(t *testing.T) {
	ctx := context.Background()
	var stderr bytes.Buffer
	err := run(ctx, []string{"-short", "-baseline", "HEAD", "-servers", "goa", "-server-bin", "/nonexistent"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no duplex kind") {
		t.Errorf("-servers goa: error %v, want one saying there is no duplex kind", err)
	}
	err = run(ctx, []string{"-short", "-baseline", "no-such-revision-x", "-servers", "duplex", "-server-bin", "/nonexistent"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), `"no-such-revision-x" is not a commit`) {
		t.Errorf("unknown revision: error %v, want one naming it", err)
	}
}

// lockedBuffer is a bytes.Buffer many goroutines may write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
