package duplex_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// surfaceGoal is issue 17's bound on the `go doc -short` lines of the
// runtime packages generated code imports. surfaceCeiling is where the
// surface stands today; the test keeps it from growing. Lower the ceiling
// as the surface shrinks, until it reaches the goal. (166 before Server-Sent
// Events added StreamOrEvents, EventStreams and NewEventStreams to
// transport, 173; moving the depth check to internal/jsondepth took 3;
// ws.Config fields instead of 18 options, transport.UnaryConfig instead of
// 4 names and a smaller security took 26; ws.DialConfig instead of
// DialOption and 9 options, 9; one error classification, duplex.Code,
// took 3 more: 6 names in the root package for 9 gone from ws, transport
// and security; 138 after the merges of 2026-12-08.)
const (
	surfaceGoal    = 110
	surfaceCeiling = 138
)

// TestGeneratedCodeImportsASmallRuntime runs `go doc -short` over every
// duplex.dev runtime package the chat example's generated code imports
// (read from its import clauses, so a package generated code starts to
// import is counted) and fails when the lines add up past surfaceCeiling.
func TestGeneratedCodeImportsASmallRuntime(t *testing.T) {
	pkgs := generatedImports(t, "examples/chat/gen")
	if len(pkgs) == 0 {
		t.Fatal("examples/chat/gen imports no duplex.dev runtime package")
	}
	total := 0
	for _, p := range pkgs {
		out, err := exec.Command("go", "doc", "-short", p).CombinedOutput()
		if err != nil {
			t.Fatalf("go doc -short %s: %v\n%s", p, err, out)
		}
		n := bytes.Count(out, []byte("\n"))
		t.Logf("%-24s %3d lines", p, n)
		total += n
	}
	t.Logf("total %d lines over %d packages (ceiling %d, goal %d)", total, len(pkgs), surfaceCeiling, surfaceGoal)
	if total > surfaceCeiling {
		t.Errorf("go doc -short of %v is %d lines, more than %d: unexport what users never call, or fold options together", pkgs, total, surfaceCeiling)
	}
}

// generatedImports returns the duplex.dev packages, outside the example
// itself, that the Go files under dir import.
func generatedImports(t *testing.T, dir string) []string {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if (p == "duplex.dev" || strings.HasPrefix(p, "duplex.dev/")) && !strings.HasPrefix(p, "duplex.dev/examples/") {
				seen[p] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := make([]string, 0, len(seen))
	for p := range seen {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	return pkgs
}
