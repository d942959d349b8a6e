package httpgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	"duplex.dev/dsl"
)

// filesDesign serves a page, a directory and the root next to a stream,
// the way a real-time service serves the page that talks to it. A method
// named like a file server's field shows that names do not collide.
func filesDesign() {
	dsl.API("site", func() {})
	dsl.Service("site", func() {
		dsl.Files("/index.html", "web/index.html", func() {
			dsl.Description("The page.")
			dsl.Docs(func() { dsl.URL("https://example.com/docs") })
		})
		dsl.Files("/static/{*filepath}", "web/static")
		dsl.Files("/", "web/index.html")
		dsl.Method("web_static", func() {
			dsl.StreamingResult(dsl.String)
			dsl.HTTP(func() { dsl.GET("/events") })
		})
	})
}

func filesFiles(t *testing.T) []*codegen.File {
	t.Helper()
	root := gentest.Design(t, filesDesign)
	files, err := Files("example.com/site/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.Files("example.com/site/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	return append(files, svc...)
}

// TestFilesGoldenFiles pins the server of Files: one http.FileSystem
// argument of New per Files (Goa's names), a handler field, the mount
// points and the routes.
func TestFilesGoldenFiles(t *testing.T) {
	var server []*codegen.File
	for _, f := range filesFiles(t) {
		if strings.HasPrefix(f.Path, "gen/http/site/server/") {
			server = append(server, f)
		}
	}
	gentest.Golden(t, "testdata/files", server)
}

// TestFilesServer runs the generated server of filesDesign on 127.0.0.1
// against a directory tree holding a secret next to the served files: the
// program is testdata/files/e2e_test.go.txt.
func TestFilesServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs generated code")
	}
	e2e, err := os.ReadFile(filepath.Join("testdata", "files", "e2e_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gentest.Module(t, "example.com/site", filesFiles(t), map[string]string{"e2e/e2e_test.go": string(e2e)})
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-race", "-count=1", "-v", "./e2e"))
}
