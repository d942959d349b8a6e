package docs_test

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// repoRoot is the module root, seen from this package's directory.
const repoRoot = ".."

// checkedDocs are the pages whose snippets and links this test checks: the
// guide (one page, or split under guide/) and the index of docs/.
func checkedDocs(t *testing.T) []string {
	t.Helper()
	pages := []string{"guide.md", "README.md"}
	more, err := filepath.Glob("guide/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append(pages, more...)
}

// TestGuideSnippetsAreInTheirSourceFiles fails when a Go (or JavaScript)
// snippet of the guide has no source marker, or when the file it names no
// longer contains it: the guide shows only code that compiles in the repo.
func TestGuideSnippetsAreInTheirSourceFiles(t *testing.T) {
	snippets := 0
	for _, page := range checkedDocs(t) {
		md, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("read %s: %v", page, err)
		}
		blocks := parseBlocks(md)
		for _, b := range blocks {
			if b.source != "" {
				snippets++
			}
		}
		for _, err := range checkSnippets(repoRoot, page, blocks) {
			t.Error(err)
		}
	}
	if snippets == 0 {
		t.Fatal("the guide has no checked snippet: is docs/guide.md there?")
	}
}

// TestGuideShellCommandsNameExistingPaths fails when a shell snippet runs a
// package or file (./examples/chat/cmd/chatd …) that does not exist.
func TestGuideShellCommandsNameExistingPaths(t *testing.T) {
	for _, page := range checkedDocs(t) {
		md, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("read %s: %v", page, err)
		}
		for _, err := range checkShellPaths(repoRoot, page, parseBlocks(md)) {
			t.Error(err)
		}
	}
}

// TestGuideLinksResolve fails when a relative link of the guide points to
// a file that does not exist.
func TestGuideLinksResolve(t *testing.T) {
	for _, page := range checkedDocs(t) {
		md, err := os.ReadFile(page)
		if err != nil {
			t.Fatalf("read %s: %v", page, err)
		}
		for _, err := range checkLinks(page, md) {
			t.Error(err)
		}
	}
}

// TestCheckerCatchesDrift shows the checks above can fail: a snippet that
// is not in its file, one outside the declaration it names, a Go block with
// no marker, a missing command path and a broken link are all reported.
func TestCheckerCatchesDrift(t *testing.T) {
	root := t.TempDir()
	src := "package p\n\n// F says hi.\nfunc F() string {\n\treturn \"hi\"\n}\n\nfunc G() {}\n"
	if err := os.WriteFile(filepath.Join(root, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	example := "package p\n\nfunc Example() {\n\tprintln(F())\n\t// Output:\n\t// hi\n}\n"
	if err := os.WriteFile(filepath.Join(root, "e.go"), []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		md    string
		fails bool
	}{
		{"a snippet in its file passes", "<!-- snippet: p.go -->\n```go\nreturn \"hi\"\n```\n", false},
		{"a snippet in the named declaration passes", "<!-- snippet: p.go#F -->\n```go\n// F says hi.\nfunc F() string {\n\treturn \"hi\"\n}\n```\n", false},
		{"a drifted snippet fails", "<!-- snippet: p.go -->\n```go\nreturn \"hello\"\n```\n", true},
		{"a partial line fails", "<!-- snippet: p.go -->\n```go\nreturn\n```\n", true},
		{"a snippet outside the named declaration fails", "<!-- snippet: p.go#G -->\n```go\nreturn \"hi\"\n```\n", true},
		{"an unknown declaration fails", "<!-- snippet: p.go#H -->\n```go\nreturn \"hi\"\n```\n", true},
		{"a missing file fails", "<!-- snippet: q.go -->\n```go\nreturn \"hi\"\n```\n", true},
		{"a Go block without a marker fails", "```go\nreturn \"hi\"\n```\n", true},
		{"a shell block is not a snippet", "```sh\necho hi\n```\n", false},
		{"an example's output passes", "<!-- output: e.go#Example -->\n```text\nhi\n```\n", false},
		{"output the example does not print fails", "<!-- output: e.go#Example -->\n```text\nhello\n```\n", true},
		{"output of a function without // Output: fails", "<!-- output: p.go#F -->\n```text\nhi\n```\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := checkSnippets(root, "test.md", parseBlocks([]byte(tt.md)))
			if got := len(errs) > 0; got != tt.fails {
				t.Errorf("fails = %t (%v), want %t", got, errs, tt.fails)
			}
		})
	}
	t.Run("a missing command path fails", func(t *testing.T) {
		errs := checkShellPaths(root, "test.md", parseBlocks([]byte("```sh\ngo run ./p.go -data ./out\ngo test -race ./...\ngo run ./nowhere/cmd\n```\n")))
		if len(errs) != 1 {
			t.Errorf("got %v, want one error for ./nowhere/cmd", errs)
		}
	})
	t.Run("a broken link fails", func(t *testing.T) {
		page := filepath.Join(root, "test.md")
		md := "# The `x` page, first\n[ok](p.go) [web](https://example.com) [anchor](#the-x-page-first) [bad anchor](#nothing) [broken](nowhere.md#x)\n"
		if err := os.WriteFile(page, []byte(md), 0o600); err != nil {
			t.Fatal(err)
		}
		errs := checkLinks(page, []byte(md))
		if len(errs) != 2 {
			t.Errorf("got %v, want errors for #nothing and nowhere.md", errs)
		}
	})
}

// block is one fenced code block of a Markdown page.
type block struct {
	line   int    // line of the opening fence, 1-based
	lang   string // info string's first word
	source string // "path" or "path#Name" from a snippet or output marker, "" if none
	output bool   // the marker is <!-- output: … -->: the block is an Example's output
	text   string
}

var markerRE = regexp.MustCompile(`^<!--\s*(snippet|output):\s*(\S+)\s*-->$`)

// parseBlocks returns the fenced code blocks of md, each with the snippet
// marker on the last non-blank line before it, if any.
func parseBlocks(md []byte) []block {
	var blocks []block
	lines := strings.Split(string(md), "\n")
	lastText := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "```") {
			if l != "" {
				lastText = l
			}
			continue
		}
		b := block{line: i + 1, lang: strings.Fields(strings.TrimPrefix(l, "```") + " x")[0]}
		if b.lang == "x" {
			b.lang = ""
		}
		if m := markerRE.FindStringSubmatch(lastText); m != nil {
			b.output, b.source = m[1] == "output", m[2]
		}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		blocks = append(blocks, b)
		lastText = "```"
	}
	return blocks
}

// markedLangs are the languages whose blocks must be snippets of the repo.
var markedLangs = map[string]bool{"go": true, "js": true, "javascript": true}

// checkSnippets checks that every block of page in a marked language has
// a marker, and that every marked block is in the file (and declaration)
// it names, under root.
func checkSnippets(root, page string, blocks []block) []error {
	var errs []error
	for _, b := range blocks {
		if b.source == "" {
			if markedLangs[b.lang] {
				errs = append(errs, fmt.Errorf("%s:%d: %s block has no <!-- snippet: PATH[#Name] --> marker naming the file it comes from", page, b.line, b.lang))
			}
			continue
		}
		if err := checkSnippet(root, b); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: snippet from %s: %w", page, b.line, b.source, err))
		}
	}
	return errs
}

func checkSnippet(root string, b block) error {
	path, name, _ := strings.Cut(b.source, "#")
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		return err
	}
	region := string(src)
	if name != "" {
		if region, err = declSource(path, src, name); err != nil {
			return err
		}
	}
	want := normalize(b.text)
	if want == "" {
		return errors.New("empty snippet")
	}
	if b.output {
		return checkOutput(region, want)
	}
	if !strings.Contains("\n"+normalize(region)+"\n", "\n"+want+"\n") {
		where := path
		if name != "" {
			where = name + " in " + path
		}
		return fmt.Errorf("not found verbatim in %s (the code changed: copy it again)", where)
	}
	return nil
}

// checkOutput checks that every line of want is a line of the "// Output:"
// comment of an Example in region.
func checkOutput(region, want string) error {
	lines := map[string]bool{}
	for _, l := range strings.Split(normalize(region), "\n") {
		lines[l] = true
	}
	if !lines["// Output:"] {
		return errors.New("no // Output: comment there")
	}
	for _, l := range strings.Split(want, "\n") {
		if l != "" && !lines["// "+l] {
			return fmt.Errorf("output line %q is not in the example's // Output: (the example changed: copy its output again)", l)
		}
	}
	return nil
}

// declSource returns the source of the top-level declaration name of a Go
// file, with its doc comment: a function, a method ("Type.Method" or just
// "Method"), a type, or a var or const.
func declSource(path string, src []byte, name string) (string, error) {
	if !strings.HasSuffix(path, ".go") {
		return "", fmt.Errorf("#%s: declaration names work in Go files only", name)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	recv, fn, isMethod := strings.Cut(name, ".")
	if !isMethod {
		fn = name
	}
	var found []ast.Node
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.Name != fn {
				continue
			}
			if isMethod && (d.Recv == nil || receiverType(d.Recv.List[0].Type) != recv) {
				continue
			}
			found = append(found, d)
		case *ast.GenDecl:
			if isMethod {
				continue
			}
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.Name == name {
						found = append(found, d)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.Name == name {
							found = append(found, d)
						}
					}
				}
			}
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("#%s: %d declarations of that name in %s, want 1", name, len(found), path)
	}
	start, end := found[0].Pos(), found[0].End()
	if doc := docOf(found[0]); doc != nil {
		start = doc.Pos()
	}
	return string(src[fset.Position(start).Offset:fset.Position(end).Offset]), nil
}

func docOf(n ast.Node) *ast.CommentGroup {
	switch d := n.(type) {
	case *ast.FuncDecl:
		return d.Doc
	case *ast.GenDecl:
		return d.Doc
	}
	return nil
}

func receiverType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverType(t.X)
	case *ast.IndexExpr:
		return receiverType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

// normalize drops each line's indentation and trailing spaces, and the
// blank lines at both ends, so that a snippet taken from inside a function
// may be shown unindented.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// cmdPathRE matches the package or file a go command runs or builds.
var cmdPathRE = regexp.MustCompile(`\bgo (?:run|install|build|test|vet)(?:\s+-\S+)*\s+(\./[A-Za-z0-9_./-]+)`)

// checkShellPaths checks that the ./paths that go commands in the shell
// blocks of page run or build exist under root ("./..." patterns excepted).
func checkShellPaths(root, page string, blocks []block) []error {
	var errs []error
	for _, b := range blocks {
		if b.lang != "sh" && b.lang != "bash" && b.lang != "console" {
			continue
		}
		for _, m := range cmdPathRE.FindAllStringSubmatch(b.text, -1) {
			p := strings.TrimSuffix(m[1], "/...")
			if p == "." || strings.Contains(p, "...") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: shell block names %s, which does not exist", page, b.line, m[1]))
			}
		}
	}
	return errs
}

var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// checkLinks checks that the relative links of page (outside code blocks)
// name files that exist and, for Markdown files, headings that exist (as
// GitHub names their anchors); web links are not followed.
func checkLinks(page string, md []byte) []error {
	var errs []error
	inCode := false
	for i, line := range bytes.Split(md, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("```")) {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		for _, m := range linkRE.FindAllSubmatch(line, -1) {
			target := string(m[1])
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			p := page
			if file != "" {
				p = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
			}
			if _, err := os.Stat(p); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: link to %s: %w", page, i+1, m[1], err))
				continue
			}
			if anchor == "" || !strings.HasSuffix(p, ".md") {
				continue
			}
			if err := hasAnchor(p, anchor); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: link to %s: %w", page, i+1, m[1], err))
			}
		}
	}
	return errs
}

// hasAnchor reports whether the Markdown file at path has a heading whose
// GitHub anchor is anchor.
func hasAnchor(path, anchor string) error {
	md, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	inCode := false
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			continue
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		if headingAnchor(strings.TrimLeft(line, "#")) == anchor {
			return nil
		}
	}
	return fmt.Errorf("no heading with anchor #%s in %s", anchor, path)
}

// headingAnchor is the anchor GitHub gives a heading: lower case, spaces
// as hyphens, punctuation other than hyphens and underscores dropped.
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
