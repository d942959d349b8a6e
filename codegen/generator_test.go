package codegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// withRegistry runs the test with an empty generator registry and restores
// the previous one afterwards.
func withRegistry(t *testing.T) {
	t.Helper()
	registryMu.Lock()
	saved := registry
	registry = map[string]registration{}
	registryMu.Unlock()
	t.Cleanup(func() {
		registryMu.Lock()
		registry = saved
		registryMu.Unlock()
	})
}

func fileGen(paths ...string) Generator {
	return func(genPkg string, _ *expr.RootExpr) ([]*File, error) {
		var fs []*File
		for _, p := range paths {
			fs = append(fs, &File{Path: p, Content: []byte(genPkg)})
		}
		return fs, nil
	}
}

func TestGenerateRunsTheGeneratorsOfOneKindSortedByPath(t *testing.T) {
	withRegistry(t)
	Register(Gen, "b", fileGen("gen/b/b.go", "gen/a/z.go"))
	Register(Gen, "a", fileGen("gen/a/a.go"))
	Register(Example, "example", fileGen("main.go"))
	files, err := Generate(Gen, "example.com/x/gen", expr.NewRoot())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if want := "gen/a/a.go gen/a/z.go gen/b/b.go"; strings.Join(got, " ") != want {
		t.Errorf("paths = %v, want %s", got, want)
	}
}

func TestRegisterTwiceReplacesTheGenerator(t *testing.T) {
	withRegistry(t)
	Register(Gen, "svc", fileGen("gen/old.go"))
	Register(Gen, "svc", fileGen("gen/new.go"))
	files, err := Generate(Gen, "p", expr.NewRoot())
	if err != nil || len(files) != 1 || files[0].Path != "gen/new.go" {
		t.Fatalf("files = %v, err %v; want gen/new.go only", files, err)
	}
}

func TestGenerateRejectsConflictsAndEscapingPaths(t *testing.T) {
	cases := []struct {
		name string
		gens map[string]Generator
		want string
	}{
		{"two generators write one file", map[string]Generator{"a": fileGen("gen/x.go"), "b": fileGen("gen/./x.go")}, "both write gen/x.go"},
		{"a path leaves the output directory", map[string]Generator{"a": fileGen("../x.go")}, "outside the output directory"},
		{"a generator fails", map[string]Generator{"a": func(string, *expr.RootExpr) ([]*File, error) { return nil, errors.New("boom") }}, "a generator: boom"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t)
			for n, g := range tc.gens {
				Register(Gen, n, g)
			}
			_, err := Generate(Gen, "p", expr.NewRoot())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	withRegistry(t)
	if _, err := Generate(Example, "p", expr.NewRoot()); err == nil {
		t.Error("Generate with no generator registered: no error")
	}
}

func TestRunWritesFilesAsJSON(t *testing.T) {
	withRegistry(t)
	eval.Reset()
	t.Cleanup(eval.Reset)
	Register(Gen, "a", fileGen("gen/a.go"))
	var out bytes.Buffer
	if err := Run(&out, io.Discard, "example.com/x/gen", Gen); err != nil {
		t.Fatal(err)
	}
	var files []*File
	if err := json.Unmarshal(out.Bytes(), &files); err != nil {
		t.Fatalf("output is not JSON files: %v\n%s", err, out.String())
	}
	if len(files) != 1 || files[0].Path != "gen/a.go" || string(files[0].Content) != "example.com/x/gen" {
		t.Fatalf("files = %+v", files)
	}
}

func TestRunReportsDesignErrorsWithTheirPositions(t *testing.T) {
	withRegistry(t)
	eval.Reset()
	t.Cleanup(eval.Reset)
	called := false
	Register(Gen, "a", func(string, *expr.RootExpr) ([]*File, error) { called = true; return nil, nil })
	eval.ReportErrorAt(expr.Pos{File: "/src/design/design.go", Line: 12}, `method "echo": streaming methods must use GET`)
	eval.ReportErrorAt(expr.Pos{File: "/src/design/design.go", Line: 20}, "second problem")
	var out bytes.Buffer
	err := Run(&out, io.Discard, "p", Gen)
	var de *DesignError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v (%T), want *DesignError", err, err)
	}
	want := []string{`design.go:12: method "echo": streaming methods must use GET`, "design.go:20: second problem"}
	if strings.Join(de.Lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines = %q, want %q", de.Lines, want)
	}
	if called || out.Len() != 0 {
		t.Errorf("a generator ran (%v) or output was written (%q) for an invalid design", called, out.String())
	}
}

func TestRunTurnsGeneratorDesignErrorsIntoDesignErrors(t *testing.T) {
	withRegistry(t)
	eval.Reset()
	t.Cleanup(eval.Reset)
	Register(Gen, "a", func(string, *expr.RootExpr) ([]*File, error) {
		return nil, expr.Errorf(expr.Pos{File: "d/design.go", Line: 7}, "parameter %q cannot travel in a header", "tags")
	})
	err := Run(&bytes.Buffer{}, io.Discard, "p", Gen)
	var de *DesignError
	if !errors.As(err, &de) || len(de.Lines) != 1 || de.Lines[0] != `design.go:7: parameter "tags" cannot travel in a header` {
		t.Fatalf("err = %v, want one design error line at design.go:7", err)
	}
}
