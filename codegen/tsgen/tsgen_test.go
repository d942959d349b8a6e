package tsgen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
	_ "duplex.dev/examples/chat/design"
)

// chat holds the client of the chat example's design.
var chat *gentest.Generated

func TestMain(m *testing.M) {
	chat = gentest.Generate(tsgen.Files, "example.com/chat/gen")
	goleak.VerifyTestMain(m)
}

func TestChatClientMatchesGolden(t *testing.T) {
	gentest.Golden(t, filepath.Join("testdata", "chat"), chat.Files(t))
}

func TestChatClientTypeChecksStrict(t *testing.T) {
	tools := nodetest.Need(t)
	dir := tools.Project(t, chat.Files(t))
	if out, err := tools.TSC(t, dir, append(nodetest.TSCFlags, filepath.Join("gen", "ts", "chat.ts"))...); err != nil {
		t.Fatalf("tsc %s: %v\n%s", strings.Join(nodetest.TSCFlags, " "), err, out)
	}
}

func TestTypeCheckCatchesMisuse(t *testing.T) {
	tools := nodetest.Need(t)
	dir := tools.Project(t, chat.Files(t))
	// A payload without its required room must not compile: the check above
	// would be worthless if the generated types accepted anything.
	misuse := "import { Client } from './gen/ts/chat.ts';\nnew Client('http://x').join({ token: 't' });\n"
	if err := os.WriteFile(filepath.Join(dir, "misuse.ts"), []byte(misuse), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := tools.TSC(t, dir, append(nodetest.TSCFlags, "misuse.ts")...)
	if err == nil || !strings.Contains(out, "room") {
		t.Fatalf("tsc accepted a JoinPayload without room (err %v):\n%s", err, out)
	}
}

// TestTypeScriptClientUnderNode type-checks the generated client with the
// Node tests of testdata/node, then runs them under Node 22's type
// stripping: runtime.test.ts (validation of every rule of the chat design,
// the retry rule and the backoff, without a server) and chat.test.ts
// against a real chatd process (unary calls, the three streaming patterns,
// validation errors caught before sending, a refused upgrade, a
// reconnection and a re-subscription), once with Node's built-in WebSocket
// and once with the "ws" package.
func TestTypeScriptClientUnderNode(t *testing.T) {
	tools := nodetest.Need(t)
	dir := tools.Setup(t, chat.Files(t),
		filepath.Join("testdata", "node", "runtime.test.ts"),
		filepath.Join("testdata", "node", "chat.test.ts"))
	t.Run("runtime without a server", func(t *testing.T) {
		tools.Run(t, dir, "runtime.test.ts")
	})
	url := nodetest.StartChatd(t)
	for _, impl := range nodetest.WebSockets {
		t.Run("client against chatd with the "+impl+" WebSocket", func(t *testing.T) {
			tools.Run(t, dir, "chat.test.ts", nodetest.Env("CHATD_URL", url), nodetest.Env("DUPLEX_WEBSOCKET", impl))
		})
	}
}

// TestRuntimePackageIsBuilt compiles the runtime package's sources
// (runtime/src, with the strict flags of runtime/tsconfig.json) and
// compares the output with the committed runtime/dist, which is what
// generated clients import: it must be the current sources. Refresh it
// with `npx tsc -p codegen/tsgen/runtime` (tsc of testdata/node).
func TestRuntimePackageIsBuilt(t *testing.T) {
	tools := nodetest.Need(t)
	out := t.TempDir()
	if b, err := tools.TSC(t, "runtime", "-p", ".", "--outDir", out); err != nil {
		t.Fatalf("tsc -p runtime: %v\n%s", err, b)
	}
	fresh, _ := filepath.Glob(filepath.Join(out, "*"))
	committed, _ := filepath.Glob(filepath.Join("runtime", "dist", "*"))
	if len(fresh) == 0 || len(fresh) != len(committed) {
		t.Errorf("tsc wrote %d files, runtime/dist has %d", len(fresh), len(committed))
	}
	for _, f := range fresh {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join("runtime", "dist", filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("runtime/dist/%s is not the compiled runtime/src (run: node codegen/tsgen/testdata/node/node_modules/typescript/bin/tsc -p codegen/tsgen/runtime)", filepath.Base(f))
		}
	}
}
