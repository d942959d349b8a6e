package tsgen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
)

// TestUnionsClientMatchesGoldenAndValidates: a OneOf is a discriminated
// union type (narrowing on "type" types "value") whose schema the runtime
// checks: testdata/node/unions.test.ts runs the hostile values (unknown
// variant, missing value, value of the wrong shape, none) under Node.
func TestUnionsClientMatchesGoldenAndValidates(t *testing.T) {
	root := gentest.Design(t, gentest.Unions)
	files, err := tsgen.Files("example.com/unions/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, filepath.Join("testdata", "unions"), files)

	tools := nodetest.Need(t)
	dir := tools.Setup(t, files, filepath.Join("testdata", "node", "unions.test.ts"))
	tools.Run(t, dir, "unions.test.ts")

	// A variant's value of another variant's type must not compile.
	misuse := "import type { ChatEvent } from './gen/ts/room.ts';\nexport const e: ChatEvent = { room: 'r', event: { type: 'join', value: { text: 'hi' } } };\n"
	if err := os.WriteFile(filepath.Join(dir, "misuse.ts"), []byte(misuse), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := tools.TSC(t, dir, append(nodetest.TSCFlags, "misuse.ts")...)
	if err == nil || !strings.Contains(out, "text") {
		t.Fatalf("tsc accepted a join event carrying a message (err %v):\n%s", err, out)
	}
}
