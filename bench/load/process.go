package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// readyPrefix is what a server prints before its URL once it accepts
// connections (duplex.dev/bench/server.ReadyPrefix; repeated here so that the
// client does not import the servers).
const readyPrefix = "listening on "

// Target is one server under test.
type Target struct {
	// Name is the server's kind, the row name in the report.
	Name string
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	// PID is the server process; 0 when the server runs in the harness's own
	// process (memory is then not reported).
	PID int
	// GC makes the server process collect garbage and return freed memory
	// to the OS, and returns once it has; nil when unavailable.
	GC func() error
	// Spawn starts a fresh process of the same server. The idle scenario
	// measures memory in one, so that what other scenarios left in the shared
	// process's heap does not hide the connections' cost. Nil when the server
	// cannot be restarted.
	Spawn func() (*Process, error)
}

// Process is a server started by StartServer.
type Process struct {
	Target
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	done    chan error
	stop    sync.Once
	stopErr error
}

// BuildServer builds cmd/benchserver into a temporary directory and
// returns the binary's path and a cleanup that removes it; the go command's
// output goes to stderr. It must run inside the bench module.
func BuildServer(ctx context.Context, stderr io.Writer) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "duplex-benchserver-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "benchserver")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "duplex.dev/bench/cmd/benchserver")
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build benchserver (run this command inside the bench module): %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// StartServer starts the command newCmd returns (a benchserver, or any
// command that prints "listening on URL" and stops when its standard input
// closes), waits up to timeout for its URL and returns it as name. The
// server's standard error goes to stderr (nil discards it). Target.Spawn
// starts another process the same way. Call Stop to end it.
func StartServer(name string, newCmd func() *exec.Cmd, stderr io.Writer, timeout time.Duration) (*Process, error) {
	cmd := newCmd()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	lines := &lineWriter{lines: make(chan string, 4)}
	cmd.Stdout = lines
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line := <-lines.lines:
		url, ok := strings.CutPrefix(line, readyPrefix)
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			p.Stop()
			return nil, fmt.Errorf("start %s: unexpected first line %q (want %q + a loopback URL)", name, line, readyPrefix)
		}
		p.Target = Target{Name: name, URL: url, PID: cmd.Process.Pid,
			GC: func() error { return p.gc(lines.lines, timeout) },
			Spawn: func() (*Process, error) {
				return StartServer(name, newCmd, stderr, timeout)
			}}
		return p, nil
	case err := <-p.done:
		p.done <- err
		return nil, fmt.Errorf("start %s: exited before listening: %v", name, err)
	case <-timer.C:
		p.Stop()
		return nil, fmt.Errorf("start %s: no %q line within %s", name, readyPrefix, timeout)
	}
}

// Stop closes the server's standard input, waits up to five seconds for it to
// exit, then kills it. It returns the process's exit error; later calls
// return the same.
func (p *Process) Stop() error {
	p.stop.Do(func() {
		p.stdin.Close()
		timer := time.NewTimer(5 * time.Second)
		defer timer.Stop()
		select {
		case p.stopErr = <-p.done:
		case <-timer.C:
			p.cmd.Process.Kill()
			p.stopErr = fmt.Errorf("stop %s: killed after 5s: %w", p.Name, <-p.done)
		}
	})
	return p.stopErr
}

// gc asks the server to collect garbage (the "gc" control line of
// duplex.dev/bench/server) and waits for its "gc done" line.
func (p *Process) gc(lines <-chan string, timeout time.Duration) error {
	if _, err := io.WriteString(p.stdin, "gc\n"); err != nil {
		return fmt.Errorf("gc %s: %w", p.Name, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line := <-lines:
			if line == "gc done" {
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("gc %s: no answer within %s", p.Name, timeout)
		}
	}
}

// lineWriter passes each line the server prints to lines, dropping lines
// while lines is full.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		select {
		case w.lines <- strings.TrimSpace(string(w.buf[:i])):
		default: // nobody is waiting for it: a server must never block on its output
		}
		w.buf = w.buf[i+1:]
	}
}

// RSS returns the resident memory of process pid in bytes (VmRSS in
// /proc/PID/status; Linux only).
func RSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read RSS: parse %q: %w", rest, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	return 0, errors.New("read RSS: no VmRSS line in /proc/PID/status")
}

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go supports.
const userHZ = 100

// CPUTime returns the CPU time (user + system) process pid has used so far,
// from /proc/PID/stat, with a resolution of 10 ms (Linux only).
func CPUTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}
	// The command name (field 2) may contain spaces: fields count from its closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("read CPU time: malformed /proc/PID/stat")
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0, errors.New("read CPU time: short /proc/PID/stat")
	}
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
