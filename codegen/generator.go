package codegen

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"duplex.dev/expr"
)

// Kind says which artefacts a run generates.
type Kind int

const (
	// Gen is `duplex gen`: the gen/ directory (service, transports,
	// clients, CLI).
	Gen Kind = iota + 1
	// Example is `duplex example`: the implementation stubs and cmd/
	// mains the user edits.
	Example
)

// String returns "gen" or "example".
func (k Kind) String() string {
	switch k {
	case Gen:
		return "gen"
	case Example:
		return "example"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Generator produces files from a design that eval.RunDSL validated and
// finalized. genPkg is the import path of the gen directory
// ("example.com/chat/gen"); the implementation package of duplex example
// is its parent.
type Generator func(genPkg string, root *expr.RootExpr) ([]*File, error)

type registration struct {
	kind Kind
	name string
	gen  Generator
}

var (
	registryMu sync.Mutex
	registry   = map[string]registration{}
)

// Register adds a generator of the given kind under name. Registering a name
// again replaces the earlier generator, so a package may register itself in
// init and a program may register it explicitly without generating files
// twice.
func Register(kind Kind, name string, g Generator) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[name] = registration{kind: kind, name: name, gen: g}
}

// Generate runs every generator registered for kind on root, in name order,
// and returns their files sorted by path. Two generators writing the same
// path is an error.
func Generate(kind Kind, genPkg string, root *expr.RootExpr) ([]*File, error) {
	registryMu.Lock()
	var regs []registration
	for _, r := range registry {
		if r.kind == kind {
			regs = append(regs, r)
		}
	}
	registryMu.Unlock()
	if len(regs) == 0 {
		return nil, fmt.Errorf("no %s generator is registered", kind)
	}
	sort.Slice(regs, func(i, j int) bool { return regs[i].name < regs[j].name })
	owner := map[string]string{}
	var files []*File
	for _, r := range regs {
		fs, err := r.gen(genPkg, root)
		if err != nil {
			return nil, fmt.Errorf("%s generator: %w", r.name, err)
		}
		for _, f := range fs {
			p := path.Clean(f.Path)
			if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
				return nil, fmt.Errorf("%s generator: path %s is outside the output directory", r.name, f.Path)
			}
			if o, dup := owner[p]; dup {
				return nil, fmt.Errorf("generators %s and %s both write %s", o, r.name, p)
			}
			owner[p] = r.name
			files = append(files, f)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
