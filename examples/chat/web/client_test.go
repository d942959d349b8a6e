package web_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// generateCommand returns the arguments of doc.go's go:generate directive
// that compiles the TypeScript client, so the test runs exactly what
// go generate runs.
func generateCommand(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:generate "); ok && strings.Contains(rest, "tsc") {
			return strings.Fields(rest)
		}
	}
	t.Fatal("doc.go has no go:generate directive running tsc")
	return nil
}

// TestCompiledClientIsCurrent compiles examples/chat/gen/ts with the
// command of doc.go's go:generate directive into a temporary directory and
// compares the output with the committed static/client: the page must run
// the client generated from the current design. It skips without node or
// tsc (npm ci in test/), unless CI=true.
func TestCompiledClientIsCurrent(t *testing.T) {
	args := generateCommand(t)
	var missing []string
	if _, err := exec.LookPath(args[0]); err != nil {
		missing = append(missing, args[0]+" (apt-get install nodejs)")
	}
	if _, err := os.Stat(args[1]); err != nil {
		missing = append(missing, "tsc (cd examples/chat/web/test && npm ci)")
	}
	if len(missing) > 0 {
		msg := "compiling the TypeScript client needs " + strings.Join(missing, ", ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (mandatory when CI=true)")
	}

	const committed = "static/client"
	out := t.TempDir()
	replaced := false
	for i := range args {
		if args[i] == "--outDir" && i+1 < len(args) && args[i+1] == committed {
			args[i+1] = out
			replaced = true
		}
	}
	if !replaced {
		t.Fatalf("the go:generate directive does not write --outDir %s: %q", committed, args)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}

	fresh, err := filepath.Glob(filepath.Join(out, "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) == 0 {
		t.Fatalf("tsc wrote no JavaScript into %s", out)
	}
	stale := false
	for _, f := range fresh {
		name := filepath.Base(f)
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Errorf("%s/%s is missing: %v", committed, name, err)
			stale = true
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s differs from the compiled gen/ts", committed, name)
			stale = true
		}
	}
	old, err := filepath.Glob(filepath.Join(committed, "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range old {
		if _, err := os.Stat(filepath.Join(out, filepath.Base(f))); err != nil {
			t.Errorf("%s is not compiled from gen/ts any more: delete it", f)
			stale = true
		}
	}
	if stale {
		t.Log("run: go generate ./examples/chat/web")
	}
}
