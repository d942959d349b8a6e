package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BaselineTimeout bounds building a baseline server: the worktree, the
// build and the worktree's removal.
const BaselineTimeout = 10 * time.Minute

// Baseline is cmd/benchserver built from another revision of this
// repository, to run next to the current build in the same rounds.
type Baseline struct {
	// Rev is the revision's short commit hash, the suffix of its servers'
	// names (BaselineName).
	Rev string
	// Bin is the built binary; it lives until Remove.
	Bin string
	dir string
}

// BaselineName is the report name of server kind run from b's binary:
// "duplex@1a2b3c4".
func (b *Baseline) BaselineName(kind string) string { return kind + "@" + b.Rev }

// Remove deletes b's binary.
func (b *Baseline) Remove() error { return os.RemoveAll(b.dir) }

// IsBaselined reports whether kind gets a baseline server next to it: the
// Duplex kinds (duplex, duplex-runtime, duplex-delay-…), whose runtime is
// what changes from one revision to the next.
func IsBaselined(kind string) bool { return strings.HasPrefix(kind, "duplex") }

// BuildBaseline builds cmd/benchserver as of rev, a git revision of the
// repository the current directory is in: it adds a temporary detached
// worktree of rev (git worktree add --detach), builds in the worktree's
// bench module, whose go.mod replaces duplex.dev with "..", so the binary
// has rev's runtime and rev's servers, and removes the worktree before it
// returns, whatever happened. The go and git commands' output goes to
// stderr. It gives up after BaselineTimeout or when ctx ends.
func BuildBaseline(ctx context.Context, rev string, stderr io.Writer) (b *Baseline, err error) {
	ctx, cancel := context.WithTimeout(ctx, BaselineTimeout)
	defer cancel()
	if rev == "" || strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("baseline: %q is not a revision", rev)
	}
	root, err := gitOut(ctx, "", "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("baseline: run inside the repository: %w", err)
	}
	full, err := gitOut(ctx, root, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("baseline: %q is not a commit of %s: %w", rev, root, err)
	}
	short, err := gitOut(ctx, root, "rev-parse", "--short", full)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	dir, err := os.MkdirTemp("", "duplex-baseline-")
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	tree := filepath.Join(dir, "src")
	fmt.Fprintf(stderr, "baseline: worktree of %s at %s (removed after the build)\n", short, tree)
	add := exec.CommandContext(ctx, "git", "-C", root, "worktree", "add", "--detach", "--quiet", tree, full)
	add.Stdout, add.Stderr = stderr, stderr
	if err := add.Run(); err != nil {
		removeWorktree(root, tree)
		return nil, fmt.Errorf("baseline: git worktree add %s: %w", short, err)
	}
	defer func() {
		if rerr := removeWorktree(root, tree); rerr != nil && err == nil {
			err = rerr
		}
	}()
	module := filepath.Join(tree, "bench")
	if _, err := os.Stat(filepath.Join(module, "cmd", "benchserver")); err != nil {
		return nil, fmt.Errorf("baseline: %s has no bench/cmd/benchserver", short)
	}
	bin := filepath.Join(dir, "benchserver")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/benchserver")
	build.Dir = module
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return nil, fmt.Errorf("baseline: build benchserver at %s: %w", short, err)
	}
	return &Baseline{Rev: short, Bin: bin, dir: dir}, nil
}

// removeWorktree removes the temporary worktree tree of the repository at
// root and its record in the repository, with a context of its own: it
// runs after an interrupt too.
func removeWorktree(root, tree string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if _, err := os.Stat(tree); err == nil {
		if _, err := gitOut(ctx, root, "worktree", "remove", "--force", tree); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(tree); err != nil {
		errs = append(errs, err)
	}
	if _, err := gitOut(ctx, root, "worktree", "prune"); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("baseline: remove worktree %s: %w", tree, err)
	}
	return nil
}

// gitOut runs git with args in dir ("" for the current directory) and
// returns its trimmed output.
func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}
