package goa_test

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

// TestGeneratedCodeIsCurrent regenerates Goa's code from the design in a copy
// of the bench module and fails when it differs from the committed gen/
// (regenerate with: cd bench && go run goa.design/goa/v3/cmd/goa gen duplex.dev/bench/design -o goa).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs goa gen (about 10 s); skipped with -short")
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
	copyFile(t, filepath.Join(root, "design", "design.go"), filepath.Join(dir, "design", "design.go"))

	cmd := exec.Command("go", "run", "goa.design/goa/v3/cmd/goa", "gen", "duplex.dev/bench/design", "-o", "goa")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goa gen: %v\n%s", err, out)
	}

	want := filepath.Join(root, "goa", "gen")
	got := filepath.Join(dir, "goa", "gen")
	seen := map[string]bool{}
	filepath.WalkDir(got, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(got, path)
		seen[rel] = true
		gotText, _ := os.ReadFile(path)
		wantText, err := os.ReadFile(filepath.Join(want, rel))
		if err != nil {
			t.Errorf("goa gen writes %s, which is not committed", rel)
			return nil
		}
		if !bytes.Equal(gotText, wantText) {
			t.Errorf("goa/gen/%s is out of date with design/design.go: regenerate it", rel)
		}
		return nil
	})
	filepath.WalkDir(want, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(want, path); !seen[rel] {
			t.Errorf("goa/gen/%s is committed but goa gen no longer writes it", rel)
		}
		return nil
	})
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
