package httpgen

import (
	"os"
	"path/filepath"
	"testing"

	"duplex.dev/codegen/example"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
)

// TestUnionsFromDesign pins the HTTP and WebSocket code of a design whose
// values are unions (gentest.Unions), and runs testdata/unionscheck against
// it: a real server on 127.0.0.1, the generated client and CLI, and hostile
// frames and bodies. The example scaffold of the design builds with it.
func TestUnionsFromDesign(t *testing.T) {
	root := gentest.Design(t, gentest.Unions)
	files, err := Files("example.com/unions/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/unions", files)
	svc, err := service.Files("example.com/unions/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := example.Files("example.com/unions/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("skipping the build and run of generated code in -short mode")
	}
	check, err := os.ReadFile(filepath.Join("testdata", "unionscheck", "unions_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gentest.Module(t, "example.com/unions", append(append(files, svc...), ex...), map[string]string{"check/unions_test.go": string(check)})
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-race", "-count=1", "-v", "./..."))
}
