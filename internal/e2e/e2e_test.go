package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// modPath is the module path of the temporary module.
const modPath = "e2eapp"

// repoRoot returns the root of the duplex.dev module.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// goEnv is the environment of every command run in the temporary module:
// the module resolves offline from the module cache (GOPROXY=off), its
// go.mod is completed from the replaced duplex.dev (-mod=mod), and the
// duplex command keeps its generator cache inside the test's directory.
func goEnv(t *testing.T, cache string) []string {
	t.Helper()
	// XDG_CACHE_HOME would also move the Go build cache: keep the shared one.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off",
		"XDG_CACHE_HOME="+cache, "GOCACHE="+strings.TrimSpace(string(gocache)))
}

// run runs name with args in dir and fails the test with its output when it
// exits with an error.
func run(t *testing.T, env []string, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), dir, err, out.String())
	}
	return out.String()
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newModule writes the temporary module: go.mod replacing duplex.dev with
// this repository, the repository's go.sum, the design and the app.
func newModule(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	gomod := "module " + modPath + "\n\ngo 1.26.0\n\nrequire duplex.dev v0.0.0\n\nreplace duplex.dev => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	for _, sub := range []string{"design", "app"} {
		src := filepath.Join(root, "internal", "e2e", "testdata", sub)
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
				copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, sub, e.Name()))
			}
		}
	}
	return dir
}

// TestGeneratedCodeEndToEnd generates the e2e design with the real duplex
// command, scaffolds the example on top, vets the module, then runs the
// app's tests against the generated server, client and CLI, and the
// scaffolded server and CLI programs.
func TestGeneratedCodeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the end-to-end test in -short mode: it builds the duplex command, generates code and runs go test -race on it")
	}
	root := repoRoot(t)
	work := t.TempDir()
	env := goEnv(t, filepath.Join(work, "cache"))
	duplex := filepath.Join(work, "duplex")
	// The repository builds with its own settings: -mod=mod there could
	// rewrite its go.mod.
	run(t, os.Environ(), root, "go", "build", "-o", duplex, "./cmd/duplex")

	dir := newModule(t, root)
	out := run(t, env, dir, duplex, "gen", modPath+"/design")
	for _, p := range []string{
		"gen/e2e/service.go", "gen/e2e/endpoints.go", "gen/e2e/client.go",
		"gen/http/e2e/server/server.go", "gen/http/e2e/client/client.go", "gen/http/cli/e2e/cli.go",
	} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("duplex gen did not write %s: %v\noutput:\n%s", p, err, out)
		}
	}
	// The implementation file the scaffold would stub: ours serves the
	// app's implementation, and duplex example must leave it alone.
	if err := os.WriteFile(filepath.Join(dir, "e2e.go"), []byte(implementation), 0o644); err != nil {
		t.Fatal(err)
	}
	out = run(t, env, dir, duplex, "example", modPath+"/design")
	for _, p := range []string{"cmd/e2e/main.go", "cmd/e2e-cli/main.go"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("duplex example did not write %s: %v\noutput:\n%s", p, err, out)
		}
	}
	if got, err := os.ReadFile(filepath.Join(dir, "e2e.go")); err != nil || string(got) != implementation {
		t.Errorf("duplex example overwrote e2e.go (err %v)", err)
	}
	if t.Failed() {
		t.FailNow()
	}
	run(t, env, dir, "go", "vet", "./...")

	t.Run("the app's tests pass against the generated server, client and CLI", func(t *testing.T) {
		// Unary JSON, the three streaming patterns, SetView, 1007 on an
		// invalid streamed message, 401 before the upgrade, 400 on a bad
		// query parameter, a plain coder/websocket client, the CLI.
		out := run(t, env, dir, "go", "test", "-race", "-count=1", "-v", "./...")
		t.Logf("go test -race ./... in the generated module:\n%s", out)
		for _, name := range []string{
			"TestUnaryMethodAnswersJSON", "TestUnaryPayloadFromPathBodyAndHeader", "TestClientStreamEndsWithCloseAndRecv", "TestServerStreamEndsWithEOF",
			"TestSetViewProjectsResults", "TestBidirectionalEchoWithConcurrentSendAndRecv",
			"TestInvalidStreamedMessageCloses1007NamingTheAttribute", "TestMissingJWTIs401BeforeUpgrade",
			"TestInvalidQueryParameterIs400NamingIt", "TestPlainWebSocketClientSpeaksJSONTextFrames", "TestCLIStreamsJSONLines",
			"TestCLIStopsAtABadStdinLineNamingIt",
		} {
			if !strings.Contains(out, "--- PASS: "+name) {
				t.Errorf("%s did not pass in the generated module", name)
			}
		}
	})

	t.Run("the scaffolded server serves the CLI and shuts down gracefully on SIGTERM", func(t *testing.T) {
		testScaffoldedPrograms(t, env, dir, work)
	})
}

// implementation is e2e.go, the implementation package duplex example
// scaffolds, written by the test to serve the app's implementation.
const implementation = `package e2eapi

import (
	"e2eapp/app"
	"e2eapp/gen/e2e"
)

// NewE2e returns the implementation of the e2e service.
func NewE2e() e2e.Service { return app.Service{} }
`

// testScaffoldedPrograms builds the server and CLI that duplex example
// scaffolded in dir, serves the app's implementation on 127.0.0.1 with
// -debug, drives it with the CLI and a plain WebSocket client, then sends
// SIGTERM: the open stream must end with close 1001, the process exit 0,
// and the log show mounts, connections and the clean exit.
func testScaffoldedPrograms(t *testing.T, env []string, dir, work string) {
	server, cli := filepath.Join(work, "e2e"), filepath.Join(work, "e2e-cli")
	run(t, env, dir, "go", "build", "-o", server, "./cmd/e2e")
	run(t, env, dir, "go", "build", "-o", cli, "./cmd/e2e-cli")

	srv := startServer(t, server, "-addr", "127.0.0.1:0", "-debug")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The CLI streams stdin as JSON lines and prints the results.
	cmd := exec.CommandContext(ctx, cli, "-url", "http://"+srv.addr, "e2e", "echo")
	cmd.Stdin = strings.NewReader("{\"message\":\"hi\"}\n")
	got, err := cmd.Output()
	if err != nil || string(got) != "{\"message\":\"hi\"}\n" {
		t.Errorf("e2e-cli e2e echo: %q, %v", got, err)
	}

	// -h prints the usage and exits 0: the server, the CLI, a method.
	for _, c := range []struct {
		bin  string
		args []string
		want []string
	}{
		{server, []string{"-h"}, []string{"-host", "-domain", "-http-port", "-secure", "-debug"}},
		{cli, []string{"-h"}, []string{"usage: e2e-cli", "-url", "-timeout", "-verbose"}},
		{cli, []string{"e2e", "ticks", "-h"}, []string{"usage: e2e-cli", "-count", "-token"}},
	} {
		out, err := exec.CommandContext(ctx, c.bin, c.args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s %v: %v, want exit 0\n%s", filepath.Base(c.bin), c.args, err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s %v: the usage lacks %q:\n%s", filepath.Base(c.bin), c.args, w, out)
			}
		}
	}

	// A bad stdin line ends the CLI at once, naming the line.
	cmd = exec.CommandContext(ctx, cli, "-url", "http://"+srv.addr, "e2e", "echo")
	cmd.Stdin = strings.NewReader("hi\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitWithin(t, cmd, 5*time.Second); code != 1 || !strings.Contains(stderr.String(), "stdin line 1: not valid JSON") {
		t.Errorf("e2e-cli e2e echo <<< hi: exit %d, stderr %q; want 1 and the line named", code, stderr.String())
	}

	// SIGTERM ends the CLI: its stream closes with 1000, it exits 130.
	closed := srv.countLog("websocket closed", "code=1000")
	cmd = exec.CommandContext(ctx, cli, "-url", "http://"+srv.addr, "e2e", "echo")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("{\"message\":\"open\"}\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, "open") {
		t.Fatalf("e2e-cli e2e echo: %q, %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 5*time.Second); code != 130 {
		t.Errorf("e2e-cli after SIGTERM: exit %d, want 130", code)
	}
	if !srv.waitLog(closed+1, "websocket closed", "code=1000") {
		t.Errorf("the server did not log the CLI's stream closed with 1000:\n%s", srv.logs())
	}

	// /metrics serves the streams' metrics.
	if body := get(t, http.DefaultClient, "http://"+srv.addr+"/metrics"); !strings.Contains(body, "duplex_close_codes_total{") || !strings.Contains(body, `code="1000"`) {
		t.Errorf("/metrics lacks the close codes of the streams:\n%s", body)
	}

	// A stream open during shutdown is closed with 1001.
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.addr+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"message":"before shutdown"}`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := conn.Read(ctx); err != nil || !strings.Contains(string(b), "before shutdown") {
		t.Fatalf("echo before shutdown: %q, %v", b, err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _, err = conn.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
		t.Errorf("open stream after SIGTERM: %v (close code %d), want close 1001", err, code)
	}
	if err := srv.wait(); err != nil {
		t.Errorf("server exit after SIGTERM: %v\n%s", err, srv.logs())
	}
	logs := srv.logs()
	for _, want := range []string{"msg=mounted", "websocket connected", "websocket closed", "msg=exited"} {
		if !strings.Contains(logs, want) {
			t.Errorf("server logs (-debug) lack %q:\n%s", want, logs)
		}
	}

	// -secure serves HTTPS with the given certificate, and refuses to start
	// without one.
	if out, err := exec.CommandContext(ctx, server, "-secure", "-addr", "127.0.0.1:0").CombinedOutput(); err == nil || !strings.Contains(string(out), "-secure needs -tls-cert and -tls-key") {
		t.Errorf("-secure without a certificate: %v\n%s", err, out)
	}
	certFile, keyFile, pool := selfSignedCert(t, work)
	tlsSrv := startServer(t, server, "-secure", "-tls-cert", certFile, "-tls-key", keyFile, "-addr", "127.0.0.1:0")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	if body := get(t, client, "https://"+tlsSrv.addr+"/metrics"); !strings.Contains(body, "go_goroutines") {
		t.Errorf("https /metrics:\n%s", body)
	}
	if err := tlsSrv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := tlsSrv.wait(); err != nil {
		t.Errorf("TLS server exit after SIGTERM: %v\n%s", err, tlsSrv.logs())
	}
}

// get returns the body of a GET of url, failing the test unless it answers 200.
func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// exitWithin runs cmd and returns its exit code, failing the test when it
// does not exit within d.
func exitWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return waitExit(t, cmd, d)
}

// waitExit waits for the started cmd to exit and returns its exit code,
// killing it and failing the test when it does not exit within d.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit within %v", filepath.Base(cmd.Path), d)
		return -1
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key into dir
// and returns their files and a pool that trusts the certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// process is a started server program.
type process struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when stderr is drained
	mu   sync.Mutex
	log  strings.Builder
	line chan struct{} // receives (without blocking) after each logged line
}

// startServer starts a scaffolded server and waits until it logs the
// address it listens on. The process is killed at the end of the test if
// still running.
func startServer(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), done: make(chan struct{}), line: make(chan struct{}, 1)}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			select {
			case p.line <- struct{}{}:
			default:
			}
			if i := strings.Index(line, "msg=listening addr="); i >= 0 {
				addrc <- strings.TrimSpace(line[i+len("msg=listening addr="):])
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.wait()
		}
	})
	select {
	case p.addr = <-addrc:
	case <-p.done:
		_ = p.cmd.Wait()
		t.Fatalf("server exited before listening:\n%s", p.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not log its address within 30s:\n%s", p.logs())
	}
	return p
}

// wait waits for the process to exit and its output to be read.
func (p *process) wait() error {
	<-p.done
	return p.cmd.Wait()
}

// waitLog waits up to 10 s until the log holds n lines containing each of
// substrs, and reports whether it did.
func (p *process) waitLog(n int, substrs ...string) bool {
	timeout := time.After(10 * time.Second)
	for {
		if p.countLog(substrs...) >= n {
			return true
		}
		select {
		case <-p.line:
		case <-p.done:
			return p.countLog(substrs...) >= n
		case <-timeout:
			return false
		}
	}
}

// countLog counts the log lines containing each of substrs.
func (p *process) countLog(substrs ...string) int {
	n := 0
	for line := range strings.Lines(p.logs()) {
		all := true
		for _, s := range substrs {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}

func (p *process) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}
