package tsgen_test

import (
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
	. "duplex.dev/dsl"
)

func TestFeaturesClientMatchesGoldenAndTypeChecks(t *testing.T) {
	root := gentest.Design(t, gentest.Features)
	files, err := tsgen.Files("example.com/features/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, filepath.Join("testdata", "features"), files)

	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, files)
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if len(ts) != 3 {
		t.Fatalf("expected duplex.ts, store.ts and feed.ts, got %v", ts)
	}
	if out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), ts...)...); err != nil {
		t.Fatalf("tsc --strict --noEmit: %v\n%s", err, out)
	}
}

func TestDesignTypeNamesDoNotClashWithTheClient(t *testing.T) {
	root := gentest.Design(t, func() {
		API("names", func() {})
		client := Type("Client", func() {
			Attribute("name", String)
		})
		schema := Type("Schema", func() {
			Attribute("client", client)
		})
		request := Type("Request", func() {
			Attribute("schema", schema)
			Attribute("transport", String)
		})
		Service("registry", func() {
			Method("register", func() {
				Payload(request)
				Result(client)
				HTTP(func() { POST("/register") })
			})
		})
	})
	files, err := tsgen.Files("example.com/names/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, f := range files {
		if f.Path == "gen/ts/registry.ts" {
			src = string(f.Content)
		}
	}
	if !strings.Contains(src, "export interface ClientType {") {
		t.Errorf("the design type Client was not renamed ClientType:\n%s", src)
	}
	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, files)
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), ts...)...); err != nil {
		t.Fatalf("tsc --strict --noEmit: %v\n%s", err, out)
	}
}
