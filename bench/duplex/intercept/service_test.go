package intercept

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite service.go from Goa's")

// importSwap is the whole difference between the Goa implementation and
// this package's: the import paths of Goa's runtime and generated package.
var importSwap = []struct{ goa, duplex string }{
	{`goa "goa.design/goa/v3/pkg"`, `goa "duplex.dev"`},
	{`"duplex.dev/bench/goa/gen/intercept"`, `"duplex.dev/bench/duplex/gen/intercept"`},
}

// TestServiceIsGoasWithImportPathsChanged is the service-level promise of
// the compatibility contract for interceptors: service.go, which this
// package compiles and serves, is the Goa implementation of the service and
// of its server and client interceptors with only its import paths changed.
func TestServiceIsGoasWithImportPathsChanged(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "goa", "intercept", "service.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := src
	for _, s := range importSwap {
		if bytes.Count(want, []byte(s.goa)) != 1 {
			t.Fatalf("Goa's service.go does not import %s once", s.goa)
		}
		want = bytes.Replace(want, []byte(s.goa), []byte(s.duplex), 1)
	}
	if *update {
		if err := os.WriteFile("service.go", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("service.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("service.go is not Goa's service.go with the import paths changed: run go test -run TestServiceIsGoas -update")
	}
}
