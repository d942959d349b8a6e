package openapi_test

import (
	"os"
	"path/filepath"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	"duplex.dev/codegen/yamlfile"
)

// TestUnionsDocumentsMatchGoldenAndValidate: a OneOf is a oneOf of one
// object schema per variant ({"type": <name>, "value": <value>}) with a
// discriminator on the type key (OpenAPI's object with a mapping, AsyncAPI's
// property name), and the npm validators accept both documents.
func TestUnionsDocumentsMatchGoldenAndValidate(t *testing.T) {
	root := gentest.Design(t, gentest.Unions)
	files, err := openapi.Files("example.com/unions/gen", root)
	if err == nil {
		err = yamlfile.EncodeFiles(files)
	}
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, filepath.Join("testdata", "unions"), files)

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
