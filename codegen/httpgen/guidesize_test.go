package httpgen

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/dsl"

	"duplex.dev/codegen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
)

// guideDesign is the design of the guide (seed/000): its three Method
// blocks, unchanged (dsl/internal/seedguide/design holds the same blocks;
// an internal package cannot be imported here).
func guideDesign() {
	dsl.API("guide", func() {
		dsl.Title("The guide's streaming patterns")
	})
	dsl.Service("stream", func() {
		dsl.Method("listener", func() {
			dsl.StreamingPayload(func() {
				dsl.Field(1, "message", dsl.String, "メッセージ内容")
				dsl.Required("message")
			})
			dsl.HTTP(func() {
				dsl.GET("/listen")
			})
		})
		dsl.Method("subscribe", func() {
			dsl.StreamingResult(func() {
				dsl.Field(1, "message", dsl.String, "更新内容")
				dsl.Field(2, "action", dsl.String, "アクションタイプ")
				dsl.Field(3, "timestamp", dsl.String, "発生時刻")
				dsl.Required("message", "action", "timestamp")
			})
			dsl.HTTP(func() {
				dsl.GET("/subscribe")
			})
		})
		dsl.Method("echo", func() {
			dsl.StreamingPayload(func() {
				dsl.Field(1, "message", dsl.String, "エコーするメッセージ")
				dsl.Required("message")
			})
			dsl.StreamingResult(func() {
				dsl.Field(1, "message", dsl.String, "エコーされたメッセージ")
				dsl.Required("message")
			})
			dsl.HTTP(func() {
				dsl.GET("/echo")
			})
		})
	})
}

// maxGuideLines bounds what the guide's three methods generate in Go: the
// service package, the HTTP server, client and paths, and the CLI.
// connect-go's generated code is the model: interfaces, constructors that
// call the runtime, a router; the streams themselves are the runtime's
// generic types.
const maxGuideLines = 700

func TestGuideDesignGeneratesLittleCode(t *testing.T) {
	root := gentest.Design(t, guideDesign)
	httpFiles, err := Files("example.com/guide/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	svcFiles, err := service.Files("example.com/guide/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range append(svcFiles, httpFiles...) {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		n := bytes.Count(f.Content, []byte("\n"))
		t.Logf("%5d %s", n, f.Path)
		if d := os.Getenv("GUIDE_DUMP"); d != "" {
			p := filepath.Join(d, f.Path)
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			_ = os.WriteFile(p, f.Content, 0o644)
		}
		total += n
	}
	t.Logf("%5d total", total)
	if total > maxGuideLines {
		t.Errorf("the guide's three methods generate %d Go lines, want at most %d", total, maxGuideLines)
	}
	for _, f := range httpFiles {
		if strings.HasSuffix(f.Path, "server/server.go") || strings.HasSuffix(f.Path, "client/client.go") {
			for _, name := range typeDecls(t, f) {
				if name != "Server" && name != "Client" {
					t.Errorf("%s declares type %s: a per-method type where the runtime's generic stream serves", f.Path, name)
				}
			}
		}
	}
}

// typeDecls returns the names of the types f declares.
func typeDecls(t *testing.T, f *codegen.File) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), f.Path, f.Content, 0)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	var names []string
	for _, d := range file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				names = append(names, s.(*ast.TypeSpec).Name.Name)
			}
		}
	}
	return names
}
