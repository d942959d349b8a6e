package openapi_test

import (
	"os"
	"path/filepath"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	"duplex.dev/codegen/yamlfile"
	. "duplex.dev/dsl"
)

func TestFeaturesDocumentsMatchGoldenAndValidate(t *testing.T) {
	root := gentest.Design(t, gentest.Features)
	files, err := openapi.Files("example.com/features/gen", root)
	if err == nil {
		err = yamlfile.EncodeFiles(files)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("got %d files, want openapi3.json, openapi3.yaml and asyncapi.yaml", len(files))
	}
	gentest.Golden(t, filepath.Join("testdata", "features"), files)

	dir := npmDir(t)
	tmp := t.TempDir()
	for _, f := range files {
		p := filepath.Join(tmp, filepath.Base(f.Path))
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := node(t, dir, "validate-asyncapi.mjs", filepath.Join(tmp, "asyncapi.yaml")); err != nil {
		t.Errorf("asyncapi.yaml: %v\n%s", err, out)
	}
	for _, name := range []string{"openapi3.json", "openapi3.yaml"} {
		if out, err := node(t, dir, "validate-openapi.mjs", filepath.Join(tmp, name)); err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}

func TestUnaryOnlyDesignHasNoAsyncAPI(t *testing.T) {
	root := gentest.Design(t, func() {
		API("plain", func() {})
		Service("calc", func() {
			Method("add", func() {
				Payload(func() {
					Attribute("a", Int)
					Attribute("b", Int)
				})
				Result(Int)
				HTTP(func() { POST("/add") })
			})
		})
	})
	files, err := openapi.Files("example.com/plain/gen", root)
	if err == nil {
		err = yamlfile.EncodeFiles(files)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "gen/asyncapi.yaml" {
			t.Errorf("asyncapi.yaml generated for a design without streams:\n%s", f.Content)
		}
	}
	if len(files) != 2 {
		t.Errorf("got %d files, want the two OpenAPI documents", len(files))
	}
}
