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

// generateCommands returns the arguments of doc.go's go:generate
// directives that compile the TypeScript client and its runtime package,
// so the test runs exactly what go generate runs.
func generateCommands(t *testing.T) [][]string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var cmds [][]string
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:generate "); ok && strings.Contains(rest, "tsc") {
			cmds = append(cmds, strings.Fields(rest))
		}
	}
	if len(cmds) == 0 {
		t.Fatal("doc.go has no go:generate directive running tsc")
	}
	return cmds
}

// TestCompiledClientIsCurrent compiles examples/chat/gen/ts and the runtime
// package with doc.go's go:generate commands into a temporary directory
// and compares the output with the committed static/client: the page must
// run the client generated from the current design, on the current
// runtime. It skips without node or tsc (npm ci in test/), unless CI=true.
func TestCompiledClientIsCurrent(t *testing.T) {
	const committed = "static/client"
	cmds := generateCommands(t)
	var missing []string
	if _, err := exec.LookPath(cmds[0][0]); err != nil {
		missing = append(missing, cmds[0][0]+" (apt-get install nodejs)")
	}
	if _, err := os.Stat(cmds[0][1]); err != nil {
		missing = append(missing, "tsc (cd examples/chat/web/test && npm ci)")
	}
	if len(missing) > 0 {
		msg := "compiling the TypeScript client needs " + strings.Join(missing, ", ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (mandatory when CI=true)")
	}

	tmp := t.TempDir()
	for _, args := range cmds {
		replaced := false
		for i := range args {
			if args[i] == "--outDir" && i+1 < len(args) && strings.HasPrefix(args[i+1], committed) {
				args[i+1] = filepath.Join(tmp, filepath.FromSlash(args[i+1]))
				replaced = true
			}
		}
		if !replaced {
			t.Fatalf("the go:generate directive does not write --outDir under %s: %q", committed, args)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		b, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}

	out := filepath.Join(tmp, filepath.FromSlash(committed))
	fresh := jsFiles(t, out)
	if len(fresh) == 0 {
		t.Fatalf("tsc wrote no JavaScript into %s", out)
	}
	stale := false
	for _, name := range fresh {
		want, err := os.ReadFile(filepath.Join(out, name))
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
			t.Errorf("%s/%s differs from the compiled sources", committed, name)
			stale = true
		}
	}
	for _, name := range jsFiles(t, committed) {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s/%s is not compiled from the sources any more: delete it", committed, name)
			stale = true
		}
	}
	if stale {
		t.Log("run: go generate ./examples/chat/web")
	}
}

// jsFiles returns the .js files under dir, as paths relative to it.
func jsFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		names = append(names, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
