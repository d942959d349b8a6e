package design_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"duplex.dev/codegen"
	"duplex.dev/codegen/generators"
	"duplex.dev/codegen/yamlfile"
	"duplex.dev/expr"
)

// TestGeneratedCodeIsCurrent is the golden test of every file `duplex gen`
// writes for the chat design: examples/chat/gen must be exactly what the
// generators produce now. Refresh it with
//
//	go run ./cmd/duplex gen duplex.dev/examples/chat/design -o examples/chat
//
// and read the diff: a change there is a change in what users get.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	evaluate(t)
	generators.Register()
	files, err := codegen.Generate(codegen.Gen, "duplex.dev/examples/chat/gen", expr.Root)
	if err == nil {
		err = yamlfile.EncodeFiles(files) // as the duplex command does
	}
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..")
	want := map[string]bool{}
	for _, f := range files {
		want[filepath.FromSlash(f.Path)] = true
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: %v (regenerate the example)", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s differs from what duplex gen writes now (regenerate the example)", f.Path)
		}
	}
	// No stale file from an earlier generation may linger.
	err = filepath.WalkDir(filepath.Join(root, "gen"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err == nil && !want[rel] {
			t.Errorf("%s is not generated any more (remove it)", rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Errorf("only %d generated files; the generators did not all run", len(files))
	}
}
