package compat_test

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGoaServiceCompilesAgainstDuplexGen takes the Goa implementation of
// the bench service (../goa/service.go), drops its Goa transport wiring
// (NewHandler), switches the import of Goa's generated service package to
// Duplex's, and builds and vets it, with an assertion that the type
// implements Duplex's bench.Service: the service-level promise of the
// compatibility contract ("a Goa service implementation compiles against
// Duplex's generated code with only import paths changed").
func TestGoaServiceCompilesAgainstDuplexGen(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "goa", "service.go"), nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var decls []ast.Decl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "NewHandler" {
			continue
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	f.Comments = nil
	f.Name.Name = "goaservice"
	// The imports the remaining code uses, by name.
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		var specs []ast.Spec
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(is.Path.Value)
			name := p[strings.LastIndex(p, "/")+1:]
			if is.Name != nil {
				name = is.Name.Name
			}
			if !used[name] {
				continue
			}
			if p == "duplex.dev/bench/goa/gen/bench" {
				is.Path.Value = strconv.Quote("duplex.dev/bench/duplex/gen/bench")
			}
			specs = append(specs, is)
		}
		gd.Specs = specs
	}
	var src bytes.Buffer
	if err := format.Node(&src, fset, f); err != nil {
		t.Fatal(err)
	}
	src.WriteString("\nvar _ bench.Service = (*service)(nil)\n")
	if bytes.Contains(src.Bytes(), []byte("goa.design")) {
		t.Fatalf("the converted service still imports Goa:\n%s", src.Bytes())
	}

	// A directory starting with "_" inside the module: `go build ./...`
	// ignores it, and it sees the module's go.mod and committed gen/.
	dir, err := os.MkdirTemp("..", "_goaservice")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "service.go"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./"+filepath.Base(dir))
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Goa's service implementation does not build against Duplex's generated code: %v\n%s\nsource:\n%s", err, out, src.Bytes())
	}
}
