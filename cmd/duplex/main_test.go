package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// goodDesign is the guide's three streaming methods.
const goodDesign = `package design

import . "duplex.dev/dsl"

var _ = API("demo", func() {})

var _ = Service("demo", func() {
	Method("listener", func() {
		StreamingPayload(func() {
			Field(1, "message", String)
			Required("message")
		})
		HTTP(func() { GET("/listen") })
	})
	Method("subscribe", func() {
		StreamingResult(func() {
			Field(1, "message", String)
			Required("message")
		})
		HTTP(func() { GET("/subscribe") })
	})
	Method("echo", func() {
		StreamingPayload(func() {
			Field(1, "message", String)
			Required("message")
		})
		StreamingResult(func() {
			Field(1, "message", String)
			Required("message")
		})
		HTTP(func() { GET("/echo") })
	})
})
`

// badDesign maps a streaming method to POST (line 10 holds the POST call).
const badDesign = `package design

import . "duplex.dev/dsl"

var _ = API("demo", func() {})

var _ = Service("demo", func() {
	Method("echo", func() {
		StreamingPayload(String)
		HTTP(func() { POST("/echo") })
	})
})
`

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// buildDuplex builds the command once per test into a temporary directory.
func buildDuplex(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "duplex")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build duplex: %v\n%s", err, out)
	}
	return bin
}

// newModule writes a module example.com/demo with design/design.go.
func newModule(t *testing.T, design string) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":           "module example.com/demo\n\ngo 1.26.0\n\nrequire duplex.dev v0.0.0\n\nreplace duplex.dev => " + root + "\n",
		"design/design.go": design,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// duplexRun runs the command in dir with its own cache directory (but the
// shared Go build cache) and returns stdout, stderr and the exit code.
func duplexRun(t *testing.T, bin, dir, cache string, args ...string) (string, string, int) {
	t.Helper()
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "GOCACHE="+strings.TrimSpace(string(gocache)),
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, &out, &errOut); code != 0 || out.String() != "duplex v"+duplex.Version+"\n" {
		t.Fatalf("version: code %d, out %q", code, out.String())
	}
	if code := run([]string{"nope"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown command: want exit 2, got %d", code)
	}
}

// TestHelpExitsZeroWithUsage: "duplex -h" once printed `unknown command
// "-h"` and exited 2. Asking for help prints it on stdout and exits 0; a
// mistake prints the usage on stderr and exits 2.
func TestHelpExitsZeroWithUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // in stdout
	}{
		{[]string{"-h"}, []string{"duplex gen DESIGN_IMPORT_PATH", "duplex example", "duplex help"}},
		{[]string{"--help"}, []string{"duplex gen DESIGN_IMPORT_PATH"}},
		{[]string{"help"}, []string{"duplex gen DESIGN_IMPORT_PATH", "duplex version"}},
		{[]string{"help", "gen"}, []string{"usage: duplex gen", "writes gen/", "-o string", "-v\t"}},
		{[]string{"help", "example"}, []string{"usage: duplex example", "never overwrites", "-o string"}},
		{[]string{"gen", "-h"}, []string{"usage: duplex gen", "-o string"}},
		{[]string{"gen", "example.com/x/design", "-help"}, []string{"usage: duplex gen"}},
		{[]string{"example", "-h"}, []string{"usage: duplex example"}},
		{[]string{"help", "version"}, []string{"usage: duplex version"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			if errOut.Len() > 0 {
				t.Errorf("stderr is not empty:\n%s", errOut.String())
			}
		})
	}
	for _, args := range [][]string{{}, {"help", "nope"}, {"help", "gen", "x"}, {"gen", "-x"}, {"gen"}} {
		t.Run(strings.Join(append([]string{"mistake:"}, args...), " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") || out.Len() > 0 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and the usage on stderr", code, out.String(), errOut.String())
			}
		})
	}
}

func TestGenRejectsBadDesignWithoutWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generator program")
	}
	bin := buildDuplex(t)
	dir := newModule(t, badDesign)
	_, stderr, code := duplexRun(t, bin, dir, t.TempDir(), "gen", "example.com/demo/design")
	if code != 1 {
		t.Fatalf("want exit 1, got %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "design.go:10") || !strings.Contains(stderr, `"echo"`) {
		t.Errorf("stderr does not name design.go:10 and the method:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen")); !os.IsNotExist(err) {
		t.Errorf("gen/ written for a bad design (stat err %v)", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "_duplexgen") {
			t.Errorf("temporary package %s left behind", e.Name())
		}
	}
}

// grpcDesign is a Goa design with a GRPC block (line 12 holds the GRPC
// call).
const grpcDesign = `package design

import . "duplex.dev/dsl"

var _ = API("demo", func() {})

var _ = Service("demo", func() {
	Method("get", func() {
		Payload(func() { Attribute("id", String) })
		Result(String)
		HTTP(func() { GET("/get/{id}") })
		GRPC(func() {
			Message(func() { Attribute("id") })
			Response(CodeOK)
		})
	})
})
`

// TestGenWarnsAboutGRPCAndGenerates: a GRPC block does not fail `duplex
// gen`; the rest is generated and stderr names the block's file:line.
func TestGenWarnsAboutGRPCAndGenerates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generator program")
	}
	bin := buildDuplex(t)
	dir := newModule(t, grpcDesign)
	stdout, stderr, code := duplexRun(t, bin, dir, t.TempDir(), "gen", "example.com/demo/design")
	if code != 0 {
		t.Fatalf("gen: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "design.go:12: warning: GRPC block skipped") || !strings.Contains(stderr, `(method "get")`) {
		t.Errorf("stderr does not warn about the GRPC block at design.go:12:\n%s", stderr)
	}
	if !strings.Contains(stdout, filepath.Join("gen", "http", "demo", "server", "server.go")) {
		t.Errorf("gen did not list the HTTP server:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen", "demo", "service.go")); err != nil {
		t.Errorf("service not generated: %v", err)
	}
}

func TestGenWritesFilesAndReusesCachedBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generator program")
	}
	bin := buildDuplex(t)
	dir := newModule(t, goodDesign)
	cache := t.TempDir()
	start := time.Now()
	stdout, stderr, code := duplexRun(t, bin, dir, cache, "gen", "example.com/demo/design", "-v")
	first := time.Since(start)
	if code != 0 {
		t.Fatalf("gen: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "generator program built") {
		t.Errorf("first run did not build the generator program:\n%s", stderr)
	}
	for _, p := range []string{"gen/demo/service.go", "gen/demo/endpoints.go", "gen/demo/client.go"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not written: %v\nstdout:\n%s", p, err, stdout)
		}
	}
	before, err := os.ReadFile(filepath.Join(dir, "gen/demo/service.go"))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	_, stderr, code = duplexRun(t, bin, dir, cache, "gen", "example.com/demo/design", "-v")
	second := time.Since(start)
	if code != 0 {
		t.Fatalf("second gen: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "generator program cached") {
		t.Errorf("second run on an unchanged design rebuilt the generator program:\n%s", stderr)
	}
	after, err := os.ReadFile(filepath.Join(dir, "gen/demo/service.go"))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("second run changed service.go (err %v)", err)
	}
	bins, _ := filepath.Glob(filepath.Join(cache, "duplex", "gen-*"))
	if len(bins) != 1 {
		t.Errorf("want one cached generator, got %v", bins)
	}
	t.Logf("duplex gen: first run (build) %v, second run (cached) %v", first, second)

	// -o writes gen/ under another directory of the module, with import
	// paths to match.
	if _, stderr, code = duplexRun(t, bin, dir, cache, "gen", "example.com/demo/design", "-o", "sub"); code != 0 {
		t.Fatalf("gen -o sub: exit %d\n%s", code, stderr)
	}
	client, err := os.ReadFile(filepath.Join(dir, "sub", "gen", "http", "demo", "client", "client.go"))
	if err != nil || !strings.Contains(string(client), `"example.com/demo/sub/gen/demo"`) {
		t.Errorf("gen -o sub: client.go does not import example.com/demo/sub/gen/demo (err %v)", err)
	}

	// A changed design is a new generator program.
	design := filepath.Join(dir, "design", "design.go")
	if err := os.WriteFile(design, []byte(goodDesign+"\n// changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code = duplexRun(t, bin, dir, cache, "gen", "example.com/demo/design", "-v"); code != 0 || !strings.Contains(stderr, "generator program built") {
		t.Errorf("gen after a design change: exit %d, want a rebuild:\n%s", code, stderr)
	}

	// Example scaffolding: written once, never overwritten.
	_, stderr, code = duplexRun(t, bin, dir, cache, "example", "example.com/demo/design")
	if code != 0 {
		t.Fatalf("example: exit %d\n%s", code, stderr)
	}
	for _, p := range []string{"demo.go", "cmd/demo/main.go", "cmd/demo-cli/main.go"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not written: %v", p, err)
		}
	}
	// The scaffold and the generated code build and vet together.
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s on generated module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	impl := filepath.Join(dir, "demo.go")
	if err := os.WriteFile(impl, []byte("package demoapi\n// edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code = duplexRun(t, bin, dir, cache, "example", "example.com/demo/design"); code != 0 {
		t.Fatalf("second example: exit %d\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(impl); !strings.Contains(string(got), "// edited") {
		t.Error("duplex example overwrote an existing file")
	}
}

// TestFlagsAroundTheDesignAreAllRead: "-v DESIGN -o DIR" once wrote to the
// module root because -o after the design was dropped.
func TestFlagsAroundTheDesignAreAllRead(t *testing.T) {
	var out, errOut bytes.Buffer
	// -o outside the module fails before anything is built or written, so
	// the error shows which directory was taken.
	outside := t.TempDir()
	if code := run([]string{"gen", "-v", "example.com/x/design", "-o", outside}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "outside the module") {
		t.Fatalf("gen -v DESIGN -o %s: code %d, stderr %q; want the -o directory refused", outside, code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"gen", "example.com/x/design", "extra"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unexpected arguments") {
		t.Fatalf("gen DESIGN extra: code %d, stderr %q; want exit 2", code, errOut.String())
	}
}

// TestGenNamesTheCommandThatFixesAnUntidyModule: when go.mod or go.sum does
// not cover the design's imports, the go command's advice names the
// temporary package (go get ...); duplex says to run go mod tidy, and that
// works offline and makes duplex gen succeed.
func TestGenNamesTheCommandThatFixesAnUntidyModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generator program")
	}
	bin := buildDuplex(t)
	dir := t.TempDir()
	files := map[string]string{
		// Replaced but not required: what a user has who added the
		// replace line by hand.
		"go.mod":           "module example.com/demo\n\ngo 1.26.0\n\nreplace duplex.dev => " + repoRoot(t) + "\n",
		"design/design.go": goodDesign,
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := offlineEnv(t, t.TempDir(), t.TempDir())
	gen := func() (string, error) {
		cmd := exec.Command(bin, "gen", "example.com/demo/design")
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := gen()
	if err == nil {
		t.Fatalf("duplex gen succeeded in a module that does not require duplex.dev:\n%s", out)
	}
	want := "run `go mod tidy` in " + dir + ", then duplex gen again"
	if !strings.Contains(out, want) {
		t.Fatalf("the error does not say %q:\n%s", want, out)
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir, tidy.Env = dir, env
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy, offline: %v\n%s", err, out)
	}
	if out, err := gen(); err != nil {
		t.Fatalf("duplex gen after go mod tidy: %v\n%s", err, out)
	}
}

// TestGeneratorProgramImportsOnlyStdAndDuplex: the generator program is
// built in the user's module, whose go.sum holds only what the user's code
// needs; a third-party import anywhere below it (go.yaml.in/yaml/v3 once,
// through codegen/openapi) makes duplex gen fail after go mod tidy.
func TestGeneratorProgramImportsOnlyStdAndDuplex(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"duplex.dev/codegen", "duplex.dev/codegen/generators", "duplex.dev/dsl")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "duplex.dev" && !strings.HasPrefix(p, "duplex.dev/") {
			t.Errorf("the generator program imports %s: users would need it in go.sum (keep such code in the duplex command, as codegen/yamlfile)", p)
		}
	}
}

// offlineEnv returns the environment of a newcomer's shell, offline:
// GOPROXY=off and GOSUMDB=off (modules come from the module cache, which
// building this repository filled), GOFLAGS=-mod=readonly as by default,
// bin first in PATH and as GOBIN, and cache as XDG_CACHE_HOME (duplex's
// cache, so the generator program is built afresh) but the shared GOCACHE.
func offlineEnv(t *testing.T, bin, cache string) []string {
	t.Helper()
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOWORK", "GOBIN", "PATH", "XDG_CACHE_HOME", "GOCACHE":
		default:
			env = append(env, kv)
		}
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOBIN="+bin,
		"GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=readonly", "GOWORK=off",
		"XDG_CACHE_HOME="+cache,
		"GOCACHE="+strings.TrimSpace(string(gocache)),
	)
}
