package goa_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/bench/internal/regen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGeneratedCodeIsCurrent regenerates Goa's code from the design in a copy
// of the bench module and fails when it differs from the committed gen/
// (regenerate with: cd bench && go run goa.design/goa/v3/cmd/goa gen duplex.dev/bench/design -o goa).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs goa gen (about 10 s); skipped with -short")
	}
	// goa gen runs protoc for the design's GRPC block, and protoc runs
	// protoc-gen-go and protoc-gen-go-grpc: .ci/run installs the pinned
	// plugins into the repository's bin/.
	bin, err := filepath.Abs(filepath.Join("..", "..", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, tool := range []string{"protoc", "protoc-gen-go", "protoc-gen-go-grpc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (in bin/ or on PATH): .ci/run installs it (protoc from Debian's protobuf-compiler, the plugins with go install)", tool)
		}
	}
	regen.CheckCurrent(t, "design/design.go", "goa", "goa.design/goa/v3/cmd/goa", "gen", "duplex.dev/bench/design", "-o", "goa")
}
