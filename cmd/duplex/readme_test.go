//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeStep is one step of the README walkthrough: a shell command, or a
// Go block written to a file.
type readmeStep struct {
	command string // a shell line, as written
	file    string // the file a Go block goes to (named in the text above it)
	replace bool   // the text says the file replaces one that exists
	content string
}

// readmeWalkthrough returns the steps of the README section "From design to
// running server", in order.
func readmeWalkthrough(t *testing.T, readme string) []readmeStep {
	t.Helper()
	const heading = "## From design to running server\n"
	_, section, ok := strings.Cut(readme, heading)
	if !ok {
		t.Fatalf("README.md has no section %q", strings.TrimSpace(heading))
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	goFile := regexp.MustCompile("`([A-Za-z0-9_./-]+\\.go)`")
	var steps []readmeStep
	var prose strings.Builder
	lines := strings.Split(section, "\n")
	for i := 0; i < len(lines); i++ {
		fence, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			prose.WriteString(lines[i] + "\n")
			continue
		}
		var block []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			block = append(block, lines[i])
		}
		switch fence {
		case "sh":
			for _, l := range block {
				if strings.TrimSpace(l) != "" {
					steps = append(steps, readmeStep{command: l})
				}
			}
		case "go":
			names := goFile.FindAllStringSubmatch(prose.String(), -1)
			if len(names) == 0 {
				t.Fatalf("README.md: the text before the Go block starting %q names no .go file to write it to", block[0])
			}
			steps = append(steps, readmeStep{
				file:    names[len(names)-1][1],
				replace: strings.Contains(prose.String(), "Replace"),
				content: strings.Join(block, "\n") + "\n",
			})
		default:
			t.Fatalf("README.md: a %q block in the walkthrough; the test runs only sh and go blocks", fence)
		}
		prose.Reset()
	}
	return steps
}

// TestREADMEWalkthrough runs the README's walkthrough as a newcomer would,
// word for word, in a fresh module next to this checkout (reached as
// ../duplex, as the README says), offline: install the command, create the
// module, write the design, go mod tidy, duplex gen, duplex example, write
// the service, go mod tidy, start the server and check that the CLI prints
// what the README says. Only the port changes (a free one instead of
// 8080). Then it checks what a user does next keeps working: go build,
// go mod tidy and duplex gen again.
//
// It needs no network: GOPROXY=off and GOSUMDB=off (the modules come from
// the module cache, which building this repository filled), GOFLAGS is
// -mod=readonly as by default, so a step that needs go.mod or go.sum edited
// fails instead of being papered over.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator, a server and a CLI in a fresh module")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeWalkthrough(t, string(readme))

	tmp := t.TempDir()
	checkout := filepath.Join(tmp, "duplex")
	if err := os.Symlink(root, checkout); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(tmp, "echo")
	bin := filepath.Join(tmp, "bin")
	for _, d := range []string{mod, bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := offlineEnv(t, bin, filepath.Join(tmp, "cache"))

	port := freePort(t)
	prints := regexp.MustCompile(`#\s*prints (.+)$`)
	var served, printed, genLine string
	for _, s := range steps {
		if s.file != "" {
			p := filepath.Join(mod, filepath.FromSlash(s.file))
			if _, err := os.Stat(p); s.replace && err != nil {
				t.Fatalf("README.md says to replace %s, but the steps before did not write it: %v", s.file, err)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(s.content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		line := strings.ReplaceAll(s.command, "8080", port)
		dir := mod
		if strings.Contains(line, "# in the checkout") {
			dir = checkout
		}
		if strings.HasPrefix(line, "duplex gen ") {
			genLine = line
		}
		if cmd, ok := strings.CutSuffix(strings.TrimSpace(line), "&"); ok {
			startServer(t, dir, env, strings.TrimSpace(cmd), port)
			served = s.command
			continue
		}
		out := runLine(t, dir, env, line)
		if m := prints.FindStringSubmatch(line); m != nil {
			want := strings.TrimSpace(m[1])
			if got := strings.TrimSpace(out); got != want {
				t.Fatalf("README.md: %s\nprinted %q, the README says %q", s.command, got, want)
			}
			printed = s.command
		}
	}
	if served == "" || printed == "" || genLine == "" {
		t.Fatalf("README.md's walkthrough lost a step the test checks: server started in the background %q, command with a \"# prints\" comment %q, duplex gen %q", served, printed, genLine)
	}

	// What a user does next must keep working, with no go get.
	runLine(t, mod, env, "go build ./...")
	runLine(t, mod, env, "go mod tidy")
	runLine(t, mod, env, genLine)
	runLine(t, mod, env, "go build ./...")
	runLine(t, mod, env, "go mod tidy -diff")
}

// runLine runs one shell line in dir and returns its stdout; a failure
// fails the test with the line and its output.
func runLine(t *testing.T, dir string, env []string, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", line)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("README walkthrough: %s (in %s): %v\nstdout:\n%s\nstderr:\n%s", line, dir, err, stdout.String(), stderr.String())
	}
	t.Logf("%s: %v", line, time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

// startServer starts line in the background (its own process group, so
// that go run and the server it runs both stop at the end) and waits until
// port accepts connections.
func startServer(t *testing.T, dir string, env []string, line, port string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", "exec "+line)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A file, not a buffer: no copying goroutine, so it can be read while
	// the server runs.
	output, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer output.Close()
	cmd.Stdout, cmd.Stderr = output, output
	logged := func() string { b, _ := os.ReadFile(output.Name()); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(3 * time.Minute) // go run compiles the server first
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("README walkthrough: %s exited before serving: %v\n%s", line, err, logged())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("README walkthrough: %s does not accept connections on port %s: %v\n%s", line, port, err, logged())
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}
