package duplex_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGenWarnsAboutGRPC: the bench design declares a GRPC block on publish
// (Goa generates gRPC from it); `duplex gen` on the same design exits 0,
// prints a warning at the block's file:line saying gRPC is skipped, and
// generates the HTTP/WebSocket code (TestGeneratedCodeIsCurrent compares
// it with gen/). It runs the generator in a copy of the bench module so
// the committed gen/ is not touched.
func TestGenWarnsAboutGRPC(t *testing.T) {
	design := filepath.Join("design", "design.go")
	line := grpcLine(t, design)

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gomod = regexp.MustCompile(`(?m)^replace duplex.dev => .*$`).ReplaceAll(gomod, []byte("replace duplex.dev => "+filepath.Dir(root)))
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
	writeFile(t, filepath.Join(dir, "go.sum"), readFile(t, filepath.Join(root, "go.sum")))
	writeFile(t, filepath.Join(dir, "duplex", design), readFile(t, design))

	cmd := exec.Command("go", "run", "duplex.dev/cmd/duplex", "gen", "duplex.dev/bench/duplex/design", "-o", "duplex")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duplex gen: %v (want exit 0)\nstderr:\n%s", err, stderr.String())
	}
	want := fmt.Sprintf(`design.go:%d: warning: GRPC block skipped: Duplex serves HTTP and WebSocket and does not generate gRPC (method "publish")`, line)
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("duplex gen stderr does not have the gRPC warning at the GRPC block (line %d):\nwant a line with %s\ngot:\n%s", line, want, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "duplex", "gen", "http", "bench", "server", "server.go")); err != nil {
		t.Errorf("duplex gen did not generate the HTTP server of the bench service: %v", err)
	}
}

// grpcLine returns the line of the only GRPC( call in the design file.
func grpcLine(t *testing.T, file string) int {
	t.Helper()
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, file)))
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), "GRPC(") {
			if found != 0 {
				t.Fatalf("%s has more than one GRPC block (lines %d and %d): update the test", file, found, n)
			}
			found = n
		}
	}
	if found == 0 {
		t.Fatalf("%s has no GRPC block", file)
	}
	return found
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
