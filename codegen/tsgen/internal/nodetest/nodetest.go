// Package nodetest holds the test helpers that compile generated
// TypeScript with tsc and run it under Node's test runner, and start the
// chat example's server as a separate process. It is for tests only.
//
// The npm tools live in codegen/openapi/testdata/npm (`npm ci --prefix
// codegen/openapi/testdata/npm`). Without them the tests skip, except when
// the environment variable CI is "true": then they fail.
package nodetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// NPMDir returns the directory whose node_modules holds typescript and ws,
// skipping the test when they are not installed (failing it under CI=true).
func NPMDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "codegen", "openapi", "testdata", "npm")
	for _, pkg := range []string{"typescript", "ws"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg)); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (run npm ci --prefix %s): %v", pkg, dir, err)
			}
			t.Skipf("%s is not installed; run: npm ci --prefix %s", pkg, dir)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	return dir
}

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

// TSCFlags are the compiler options generated clients are checked with:
// strict, ES2022 modules, the DOM's fetch and WebSocket types.
var TSCFlags = []string{"--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "es2022,dom"}

// TSC runs the TypeScript compiler of npm with args in dir and returns its
// output.
func TSC(t testing.TB, npm, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(npm, "node_modules", "typescript", "bin", "tsc")}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Compile writes files and the test files (paths of .ts files) into a
// temporary ES module directory, compiles them with tsc into out/ and
// returns the directory.
func Compile(t testing.TB, files []*codegen.File, tests ...string) string {
	t.Helper()
	npm := NPMDir(t)
	dir := t.TempDir()
	WriteFiles(t, dir, files)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type":"module"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(npm, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--outDir", "out", "--rootDir", ".", "--types", "node"}, TSCFlags...)
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
	if out, err := TSC(t, npm, dir, args...); err != nil {
		t.Fatalf("tsc: %v\n%s", err, out)
	}
	return dir
}

// Run runs `node --test` on out/<name> of a Compile directory with the
// extra environment env, and fails the test with the output when a Node
// test fails.
func Run(t testing.TB, dir, name string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", filepath.Join("out", name))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %s: %v\n%s", name, err, out)
	}
	t.Logf("node --test %s:\n%s", name, out)
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
