// Package gentest holds the test helpers of the generators: golden-file
// comparison (refreshed with `go test ./codegen/... -update`) and a check
// that generated files build and vet cleanly in a throwaway module. It is
// for tests only.
package gentest

import (
	"bytes"
	"flag"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"duplex.dev/codegen"
	"duplex.dev/codegen/yamlfile"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Update is the -update flag: rewrite golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files under testdata")

// RepoRoot returns the root of the duplex.dev module.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Golden compares files with the golden copies under dir (each file at
// dir/<Path>.golden), or rewrites them under -update. It also fails when a
// golden file has no generated counterpart and when a Go file is not
// gofmt-clean.
func Golden(t *testing.T, dir string, files []*codegen.File) {
	t.Helper()
	want := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path)+".golden")
		want[p] = true
		if strings.HasSuffix(f.Path, ".go") {
			if formatted, err := format.Source(f.Content); err != nil || !bytes.Equal(formatted, f.Content) {
				t.Errorf("%s is not gofmt-clean (err %v)", f.Path, err)
			}
		}
		if *Update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: no golden file (run go test -update): %v", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s differs from %s (run go test -update and review the diff):\n%s", f.Path, p, firstDiff(string(got), string(f.Content)))
		}
	}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".golden") || want[p] {
			return nil
		}
		if *Update {
			return os.Remove(p)
		}
		t.Errorf("golden file %s is no longer generated", p)
		return nil
	})
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  golden: " + w + "\n  got:    " + g
		}
	}
	return ""
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// Module writes files (and extra files, path -> content) into a new module
// modPath in a temporary directory whose go.mod requires duplex.dev replaced
// by this repository, copies the repository's go.sum, and returns its
// directory.
func Module(t testing.TB, modPath string, files []*codegen.File, extra map[string]string) string {
	t.Helper()
	root := RepoRoot(t)
	dir := t.TempDir()
	gomod := "module " + modPath + "\n\ngo 1.26.0\n\nrequire duplex.dev v0.0.0\n\nreplace duplex.dev => " + root + "\n"
	write := func(p string, data []byte) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", []byte(gomod))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", sum)
	for _, f := range files {
		write(f.Path, f.Content)
	}
	for p, c := range extra {
		write(p, []byte(c))
	}
	return dir
}

// Go runs the go command in dir with module mode set to resolve the
// throwaway module offline, and fails the test with its output on error.
func Go(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// BuildAndVet checks that files compile and pass go vet in a throwaway
// module. It is skipped under -short.
func BuildAndVet(t *testing.T, modPath string, files []*codegen.File) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping build of generated code in -short mode (it runs go build and go vet)")
	}
	dir := Module(t, modPath, files, nil)
	Go(t, dir, "build", "./...")
	Go(t, dir, "vet", "./...")
}

// Design evaluates a design for a generator test: it resets the model,
// calls design (which makes the top-level DSL calls: API, Service, ...),
// runs eval.RunDSL and returns the finalized root. A design error fails the
// test with every "file.go:LINE: message". Tests using it must not run in
// parallel: the model is global, as in the generator program.
func Design(t testing.TB, design func()) *expr.RootExpr {
	t.Helper()
	eval.Reset()
	t.Cleanup(eval.Reset)
	design()
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("design errors:\n%v", err)
	}
	return expr.Root
}

// Generated is what a generator wrote for the design the test binary
// imports (the chat example's), made once in TestMain, before other tests
// reset the model for designs of their own.
type Generated struct {
	files []*codegen.File
	err   error
}

// Generate runs the DSL of the imported design and gen on the model, for
// genPkg, and encodes YAML trees as the duplex command does; call it in
// TestMain.
func Generate(gen func(genPkg string, root *expr.RootExpr) ([]*codegen.File, error), genPkg string) *Generated {
	g := &Generated{}
	if g.err = eval.RunDSL(); g.err == nil {
		g.files, g.err = gen(genPkg, expr.Root)
	}
	if g.err == nil {
		g.err = yamlfile.EncodeFiles(g.files)
	}
	return g
}

// Files returns the generated files, failing t when the design or the
// generator failed.
func (g *Generated) Files(t testing.TB) []*codegen.File {
	t.Helper()
	if g.err != nil {
		t.Fatalf("imported design: %v", g.err)
	}
	return g.files
}
