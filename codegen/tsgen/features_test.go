package tsgen_test

import (
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen"
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

	typeCheck(t, files, 2)
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
	typeCheck(t, files, 1)
}

// typeCheck type-checks the generated files (want of them, the runtime
// package aside) with nodetest.TSCFlags.
func typeCheck(t *testing.T, files []*codegen.File, want int) {
	t.Helper()
	tools := nodetest.Need(t)
	dir := tools.Project(t, files)
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if len(ts) != want {
		t.Fatalf("expected %d generated files, got %v", want, ts)
	}
	if out, err := tools.TSC(t, dir, append(nodetest.TSCFlags, ts...)...); err != nil {
		t.Fatalf("tsc %s: %v\n%s", strings.Join(nodetest.TSCFlags, " "), err, out)
	}
}
