package tsgen_test

import (
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
	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, chat.Files(t))
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if len(ts) < 2 {
		t.Fatalf("expected duplex.ts and chat.ts, got %v", ts)
	}
	out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), ts...)...)
	if err != nil {
		t.Fatalf("tsc --strict --noEmit: %v\n%s", err, out)
	}
}

func TestTypeCheckCatchesMisuse(t *testing.T) {
	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, chat.Files(t))
	// A payload without its required room must not compile: the check above
	// would be worthless if the generated types accepted anything.
	misuse := "import { Client } from './gen/ts/chat.js';\nnew Client('http://x').join({ token: 't' });\n"
	if err := os.WriteFile(filepath.Join(dir, "misuse.ts"), []byte(misuse), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), filepath.Join(dir, "misuse.ts"))...)
	if err == nil || !strings.Contains(out, "room") {
		t.Fatalf("tsc accepted a JoinPayload without room (err %v):\n%s", err, out)
	}
}

// TestTypeScriptClientUnderNode compiles the generated client with the
// Node tests of testdata/node once, then runs runtime.test.ts (validation of
// every rule of the chat design, the retry rule and the backoff, without a
// server) and chat.test.ts against a real chatd process (unary calls, the
// three streaming patterns, validation errors caught before sending, an
// error before the upgrade, a reconnection and a re-subscription).
func TestTypeScriptClientUnderNode(t *testing.T) {
	dir := nodetest.Compile(t, chat.Files(t),
		filepath.Join("testdata", "node", "runtime.test.ts"),
		filepath.Join("testdata", "node", "chat.test.ts"))
	t.Run("runtime without a server", func(t *testing.T) {
		nodetest.Run(t, dir, "runtime.test.js")
	})
	t.Run("client against chatd", func(t *testing.T) {
		url := nodetest.StartChatd(t)
		nodetest.Run(t, dir, "chat.test.js", nodetest.Env("CHATD_URL", url))
	})
}
