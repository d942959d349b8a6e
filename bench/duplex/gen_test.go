package duplex_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// goaImport and duplexImport are the only line in which design/design.go
// and the Goa design (../design/design.go) may differ.
const (
	goaImport    = `import . "goa.design/goa/v3/dsl"`
	duplexImport = `import . "duplex.dev/dsl"`
)

// TestDesignMatchesGoaDesign fails when design/design.go is no longer the
// Goa design with only its DSL import switched, as the compatibility
// contract promises a Goa design compiles unchanged otherwise.
func TestDesignMatchesGoaDesign(t *testing.T) {
	goaDesign, err := os.ReadFile(filepath.Join("..", "design", "design.go"))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(filepath.Join("design", "design.go"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(goaDesign, []byte(goaImport)) != 1 {
		t.Fatalf("../design/design.go does not contain the line %s exactly once", goaImport)
	}
	if bytes.Count(ours, []byte(duplexImport)) != 1 {
		t.Fatalf("design/design.go does not contain the line %s exactly once", duplexImport)
	}
	want := bytes.Replace(goaDesign, []byte(goaImport), []byte(duplexImport), 1)
	if !bytes.Equal(ours, want) {
		t.Errorf("design/design.go differs from ../design/design.go by more than the DSL import: copy it again and switch %s to %s, then regenerate gen/", goaImport, duplexImport)
	}
}

// TestGeneratedCodeIsCurrent regenerates gen/ from design/ in a copy of the
// bench module and fails when any file differs from the committed one
// (regenerate with: cd bench && go run duplex.dev/cmd/duplex gen duplex.dev/bench/duplex/design -o duplex).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs duplex gen; skipped with -short")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// The copy lives elsewhere: point the replace directive at the real root module.
	gomod = regexp.MustCompile(`(?m)^replace duplex.dev => .*$`).ReplaceAll(gomod, []byte("replace duplex.dev => "+filepath.Dir(root)))
	write(t, filepath.Join(dir, "go.mod"), gomod)
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	copyFile(t, filepath.Join(root, "duplex", "design", "design.go"), filepath.Join(dir, "duplex", "design", "design.go"))

	cmd := exec.Command("go", "run", "duplex.dev/cmd/duplex", "gen", "duplex.dev/bench/duplex/design", "-o", "duplex")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("duplex gen: %v\n%s", err, out)
	}

	want := filepath.Join(root, "duplex", "gen")
	got := filepath.Join(dir, "duplex", "gen")
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
			t.Errorf("duplex gen writes gen/%s, which is not committed", rel)
			return nil
		}
		if !bytes.Equal(gotText, wantText) {
			t.Errorf("gen/%s is out of date with design/design.go: regenerate it", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("duplex gen wrote no files")
	}
	err = filepath.WalkDir(want, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(want, path); !seen[rel] {
			t.Errorf("gen/%s is committed but duplex gen no longer writes it", rel)
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
