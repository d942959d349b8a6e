package duplex_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/bench/internal/regen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// goaImport and duplexImport are the only line in which design/design.go
// and the Goa design (../design/design.go) may differ.
const (
	goaImport    = `import . "goa.design/goa/v3/dsl"`
	duplexImport = `import . "duplex.dev/dsl"`
)

// TestDesignMatchesGoaDesign fails when design/design.go or design/sse.go is no longer the
// Goa design with only its DSL import switched, as the compatibility
// contract promises a Goa design compiles unchanged otherwise.
func TestDesignMatchesGoaDesign(t *testing.T) {
	for _, file := range []string{"design.go", "sse.go"} {
		goaDesign, err := os.ReadFile(filepath.Join("..", "design", file))
		if err != nil {
			t.Fatal(err)
		}
		ours, err := os.ReadFile(filepath.Join("design", file))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(goaDesign, []byte(goaImport)) != 1 {
			t.Fatalf("../design/%s does not contain the line %s exactly once", file, goaImport)
		}
		if bytes.Count(ours, []byte(duplexImport)) != 1 {
			t.Fatalf("design/%s does not contain the line %s exactly once", file, duplexImport)
		}
		want := bytes.Replace(goaDesign, []byte(goaImport), []byte(duplexImport), 1)
		if !bytes.Equal(ours, want) {
			t.Errorf("design/%s differs from ../design/%s by more than the DSL import: copy it again and switch %s to %s, then regenerate gen/", file, file, goaImport, duplexImport)
		}
	}
}

// TestGeneratedCodeIsCurrent regenerates gen/ from design/ in a copy of the
// bench module and fails when any file differs from the committed one
// (regenerate with: cd bench && go run duplex.dev/cmd/duplex gen duplex.dev/bench/duplex/design -o duplex).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs duplex gen; skipped with -short")
	}
	regen.CheckCurrent(t, "duplex/design/design.go", "duplex", "duplex.dev/cmd/duplex", "gen", "duplex.dev/bench/duplex/design", "-o", "duplex")
}
