package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"duplex.dev"
	"duplex.dev/codegen"
	"duplex.dev/codegen/yamlfile"
)

// generation is one `duplex gen` or `duplex example` run.
type generation struct {
	design  string // design package import path
	out     string // output directory, "" for the module root
	example bool
	verbose bool // report on stderr whether the generator program was cached
	stdout  io.Writer
	stderr  io.Writer

	modRoot string
	modPath string
}

// designError carries the design problems printed by the generator program,
// one "file.go:LINE: ..." per line, to be shown as they are.
type designError struct{ output string }

func (e *designError) Error() string { return e.output }

// exitDesign is the generator program's exit code for an invalid design.
const exitDesign = 3

func (g *generation) run() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if g.modRoot, g.modPath, err = findModule(wd); err != nil {
		return err
	}
	out := g.out
	if out == "" {
		out = g.modRoot
	}
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	rel, err := filepath.Rel(g.modRoot, out)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("output directory %s is outside the module rooted at %s", out, g.modRoot)
	}
	genPkg := path.Join(g.modPath, filepath.ToSlash(rel), "gen")

	bin, cached, err := g.generatorBinary()
	if err != nil {
		return err
	}
	if g.verbose {
		how := "built"
		if cached {
			how = "cached"
		}
		fmt.Fprintf(g.stderr, "duplex: generator program %s: %s\n", how, bin)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, g.kind(), genPkg)
	cmd.Dir = g.modRoot
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == exitDesign {
			return &designError{output: stderr.String()}
		}
		return fmt.Errorf("run generator for %s: %w\n%s", g.design, err, stderr.String())
	}
	// The generator's warnings (parts of the design it skips).
	_, _ = g.stderr.Write(stderr.Bytes())
	var files []*codegen.File
	if err := json.Unmarshal(stdout.Bytes(), &files); err != nil {
		return fmt.Errorf("read generator output: %w", err)
	}
	// The generator program cannot encode YAML (it is built in the user's
	// module, which has no YAML library); this command can.
	if err := yamlfile.EncodeFiles(files); err != nil {
		return err
	}
	if g.example {
		return writeExample(out, files, g.stdout)
	}
	return writeGen(out, files, g.stdout)
}

// writeGen replaces out/gen with the generated files, so that files of
// removed services do not linger.
func writeGen(out string, files []*codegen.File, w io.Writer) error {
	if err := os.RemoveAll(filepath.Join(out, "gen")); err != nil {
		return fmt.Errorf("clean gen directory: %w", err)
	}
	for _, f := range files {
		if err := writeFile(out, f); err != nil {
			return err
		}
	}
	// Listed only once everything is written: a reader that goes away
	// early (duplex gen | head) must not cut the generation short.
	for _, f := range files {
		fmt.Fprintln(w, filepath.Join(out, filepath.FromSlash(f.Path)))
	}
	return nil
}

// writeExample writes scaffolding files that do not exist yet.
func writeExample(out string, files []*codegen.File, w io.Writer) error {
	for _, f := range files {
		p := filepath.Join(out, filepath.FromSlash(f.Path))
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := writeFile(out, f); err != nil {
			return err
		}
		fmt.Fprintln(w, p)
	}
	return nil
}

func writeFile(out string, f *codegen.File) error {
	clean := path.Clean(f.Path)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("generator returned a path outside the output directory: %s", f.Path)
	}
	p := filepath.Join(out, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, f.Content, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// findModule walks up from dir to the directory holding go.mod and returns
// it with the module path.
func findModule(dir string) (root, modPath string, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			mp := modulePath(data)
			if mp == "" {
				return "", "", fmt.Errorf("%s: no module line", filepath.Join(d, "go.mod"))
			}
			return d, mp, nil
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("no go.mod found in %s or any parent: run duplex inside a Go module", dir)
		}
	}
}

func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			if s, err := strconv.Unquote(f[1]); err == nil {
				return s
			}
			return f[1]
		}
	}
	return ""
}

// localReplacements returns the directories of go.mod replace directives
// that point at local directories, keyed by module path.
func localReplacements(gomod []byte, modRoot string) map[string]string {
	out := map[string]string{}
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "replace (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "replace "):
			line = strings.TrimPrefix(line, "replace ")
		case !inBlock:
			continue
		}
		lhs, rhs, ok := strings.Cut(line, "=>")
		if !ok {
			continue
		}
		l, r := strings.Fields(lhs), strings.Fields(rhs)
		if len(l) == 0 || len(r) != 1 {
			continue
		}
		dir := r[0]
		if !strings.HasPrefix(dir, ".") && !filepath.IsAbs(dir) {
			continue
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(modRoot, dir)
		}
		out[l[0]] = dir
	}
	return out
}

// generatorBinary returns the cached generator program for the design,
// building it when the cache has none for the current inputs; cached says
// whether it came from the cache.
func (g *generation) generatorBinary() (bin string, cached bool, err error) {
	key, err := g.cacheKey()
	if err != nil {
		return "", false, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "duplex")
	name := "gen-" + key
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	bin = filepath.Join(dir, name)
	if _, err := os.Stat(bin); err == nil {
		now := time.Now()
		_ = os.Chtimes(bin, now, now) // mark as used for pruneCache
		return bin, true, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("create cache directory: %w", err)
	}
	tmpBin, err := g.build(dir)
	if err != nil {
		return "", false, err
	}
	// The build may complete go.mod and go.sum (-mod=mod); the next run
	// computes its key from the completed files, so store the program
	// under that key.
	if key, err = g.cacheKey(); err != nil {
		return "", false, err
	}
	bin = filepath.Join(dir, "gen-"+key+filepath.Ext(name))
	if err := os.Rename(tmpBin, bin); err != nil {
		return "", false, fmt.Errorf("store generator in cache: %w", err)
	}
	pruneCache(dir, bin)
	return bin, false, nil
}

// cacheMaxAge is how long an unused generator program stays in the cache.
const cacheMaxAge = 30 * 24 * time.Hour

// pruneCache removes generator programs not used for cacheMaxAge (a program
// is "used" when its modification time is refreshed on a cache hit), so
// that the cache does not grow with every design change.
func pruneCache(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == keep || !strings.HasPrefix(e.Name(), "gen-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > cacheMaxAge {
			_ = os.Remove(p)
		}
	}
}

// generatorSource returns the temporary main package: it imports the design
// (whose init records the DSL) and the generators, registers them and runs
// codegen.Run; a design error exits with exitDesign.
func generatorSource(design string) string {
	var src strings.Builder
	src.WriteString("// Command generator is built by `duplex gen`; it is temporary.\npackage main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"duplex.dev/codegen\"\n\t\"duplex.dev/codegen/generators\"\n")
	fmt.Fprintf(&src, "\n\t_ %q\n)\n\nfunc main() {\n\tgenerators.Register()\n", design)
	src.WriteString(`	kind := codegen.Gen
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: generator gen|example GEN_PACKAGE")
		os.Exit(2)
	}
	if os.Args[1] == "example" {
		kind = codegen.Example
	}
	if err := codegen.Run(os.Stdout, os.Stderr, os.Args[2], kind); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if _, ok := err.(*codegen.DesignError); ok {
			os.Exit(` + strconv.Itoa(exitDesign) + `)
		}
		os.Exit(1)
	}
}
`)
	return src.String()
}

// build writes the temporary main package in the module root (a directory
// starting with "_" so `go build ./...` ignores it), builds it into cacheDir
// and removes the package.
func (g *generation) build(cacheDir string) (string, error) {
	src := generatorSource(g.design)
	tmp, err := os.MkdirTemp(g.modRoot, "_duplexgen")
	if err != nil {
		return "", fmt.Errorf("create temporary generator package: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(cacheDir, "build-"+randomHex())
	if _, err := g.goOutput("build", "-o", out, "./"+filepath.Base(tmp)); err != nil {
		if untidy(err.Error()) {
			// The go command suggests go get for the temporary package,
			// which the user never sees; go mod tidy is what fixes it
			// (offline too, with a replace directive for duplex.dev).
			return "", fmt.Errorf("%w\ngo.mod or go.sum does not cover what the design imports: run `go mod tidy` in %s, then duplex %s again", err, g.modRoot, g.kind())
		}
		return "", err
	}
	return out, nil
}

// untidy reports whether the go command's output says go.mod or go.sum
// lacks a requirement or a checksum.
func untidy(goOutput string) bool {
	for _, s := range []string{"missing go.sum entry", "updates to go.mod needed", "no required module provides package", "is replaced but not required"} {
		if strings.Contains(goOutput, s) {
			return true
		}
	}
	return false
}

// kind returns the command's name: gen or example.
func (g *generation) kind() string {
	if g.example {
		return "example"
	}
	return "gen"
}

// goOutput runs the go command in the module root.
func (g *generation) goOutput(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = g.modRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// cacheKey hashes what the generator program depends on: this command
// (version and executable), go.mod and go.sum, the design package's files and
// those of the module's packages it imports, and the sources of duplex.dev
// when go.mod replaces it with a local directory (development setups).
func (g *generation) cacheKey() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "duplex %s %s/%s\n", duplex.Version, runtime.GOOS, runtime.GOARCH)
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			fmt.Fprintf(h, "exe %s %d %d\n", exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	gomod, err := os.ReadFile(filepath.Join(g.modRoot, "go.mod"))
	if err != nil {
		return "", err
	}
	h.Write(gomod)
	if sum, err := os.ReadFile(filepath.Join(g.modRoot, "go.sum")); err == nil {
		h.Write(sum)
	}
	fmt.Fprintf(h, "GOFLAGS=%s\n", os.Getenv("GOFLAGS"))
	// The design and the module packages it imports, by content.
	seen := map[string]bool{}
	queue := []string{g.design}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		dir, ok := g.packageDir(p)
		if !ok {
			fmt.Fprintf(h, "external %s\n", p)
			continue
		}
		imports, err := hashPackage(h, dir)
		if err != nil {
			return "", err
		}
		queue = append(queue, imports...)
	}
	// A local duplex.dev (replace directive, or the duplex.dev module itself,
	// as for its examples): the sources of the packages the generator
	// program is built from, by stat.
	dir, ok := localReplacements(gomod, g.modRoot)["duplex.dev"]
	if g.modPath == "duplex.dev" {
		dir, ok = g.modRoot, true
	}
	if ok {
		for _, pkg := range generatorPackages {
			if err := hashTreeStat(h, filepath.Join(dir, pkg)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// generatorPackages are the directories of duplex.dev the generator program
// is built from (the DSL, the model, its evaluation and the generators);
// the runtime packages are not part of it.
var generatorPackages = []string{"codegen", "dsl", "eval", "expr"}

// packageDir returns the directory of an import path inside the main module.
func (g *generation) packageDir(importPath string) (string, bool) {
	if importPath == g.modPath {
		return g.modRoot, true
	}
	if rest, ok := strings.CutPrefix(importPath, g.modPath+"/"); ok {
		return filepath.Join(g.modRoot, filepath.FromSlash(rest)), true
	}
	return "", false
}

// hashPackage hashes the non-test Go files of dir and returns their imports.
func hashPackage(h io.Writer, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read design package: %w", err)
	}
	var imports []string
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "file %s %d\n", filepath.Join(dir, n), len(data))
		h.Write(data)
		f, err := parser.ParseFile(fset, n, data, parser.ImportsOnly)
		if err != nil {
			continue // the build reports it
		}
		for _, im := range f.Imports {
			if p, err := strconv.Unquote(im.Path.Value); err == nil {
				imports = append(imports, p)
			}
		}
	}
	return imports, nil
}

// hashTreeStat hashes name, size and modification time of every Go file
// under dir (cheap: no content is read).
func hashTreeStat(h io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != dir && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata" || n == "bench" || n == "docs" || n == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil // embedded files (the TypeScript runtime) count too
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "dep %s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
