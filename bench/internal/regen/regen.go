// Package regen is for the bench module's tests: it checks that committed
// generated code (Goa's under goa/gen, Duplex's under duplex/gen) is what
// its generator writes from the committed design today.
package regen

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// CheckCurrent runs a generator in a copy of the bench module and fails t
// for every file of out/gen that differs from the committed one, that the
// generator writes but is not committed, or that is committed but no longer
// written. The copy holds the module's go.mod (its replace directive
// pointed at the real root module), go.sum and the Go files of the
// design's package (design is one of them, relative to the bench module); the generator is `go run args...` there.
// Call it from a package directly under the bench module.
func CheckCurrent(t *testing.T, design, out string, args ...string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gomod = regexp.MustCompile(`(?m)^replace duplex.dev => .*$`).ReplaceAll(gomod, []byte("replace duplex.dev => "+filepath.Dir(root)))
	write(t, filepath.Join(dir, "go.mod"), gomod)
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	// Every Go file of the design's package (design.go, sse.go …).
	files, err := filepath.Glob(filepath.Join(root, filepath.Dir(design), "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files next to %s: %v", design, err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		copyFile(t, f, filepath.Join(dir, rel))
	}

	cmd := exec.Command("go", append([]string{"run"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run %v: %v\n%s", args, err, out)
	}

	want := filepath.Join(root, out, "gen")
	got := filepath.Join(dir, out, "gen")
	seen := map[string]bool{}
	err = filepath.WalkDir(got, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(got, path)
		if err != nil {
			return err
		}
		seen[rel] = true
		gotText, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		wantText, err := os.ReadFile(filepath.Join(want, rel))
		if err != nil {
			t.Errorf("the generator writes %s/gen/%s, which is not committed", out, rel)
			return nil
		}
		if !bytes.Equal(gotText, wantText) {
			t.Errorf("%s/gen/%s is out of date with %s: regenerate it", out, rel, design)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("the generator wrote no files")
	}
	err = filepath.WalkDir(want, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(want, path); !seen[rel] {
			t.Errorf("%s/gen/%s is committed but the generator no longer writes it", out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	write(t, to, data)
}
