package load_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"
)

// serveEnv makes the test binary act as cmd/benchserver: the harness test
// starts the servers as separate processes without building anything.
const serveEnv = "DUPLEX_BENCH_SERVE"

func TestMain(m *testing.M) {
	if kind := os.Getenv(serveEnv); kind != "" {
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		if err := server.Serve(context.Background(), kind, "127.0.0.1:0", os.Stdout, os.Stdin, logger); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// startServer runs server kind in a child process (this test binary) and
// stops it when the test ends.
func startServer(t *testing.T, kind string) load.Target {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	newCmd := func() *exec.Cmd {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), serveEnv+"="+kind)
		return cmd
	}
	p, err := load.StartServer(kind, newCmd, os.Stderr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop %s: %v", kind, err)
		}
	})
	return p.Target
}

// run runs cfg against targets within timeout, writing progress to
// progress (nil: none); the run's error ends the test, and every lost or
// failed measurement is reported as an error.
func run(t *testing.T, timeout time.Duration, cfg load.Config, targets []load.Target, progress io.Writer) *load.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rep, err := load.Run(ctx, cfg, targets, progress)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range rep.Errors() {
		t.Error(err)
	}
	return rep
}

// TestHarnessSmoke runs every scenario with a few hundred messages against
// every registered server (raw and goa at least), each in its own process,
// and checks that nothing was lost and that the report has every row.
func TestHarnessSmoke(t *testing.T) {
	kinds := server.Kinds()
	for _, want := range []string{"raw", "goa"} {
		if !strings.Contains(strings.Join(kinds, " "), want) {
			t.Fatalf("server kinds %v lack %q", kinds, want)
		}
	}
	var targets []load.Target
	for _, kind := range kinds {
		targets = append(targets, startServer(t, kind))
	}
	cfg := load.SmokeConfig()
	if testing.Short() {
		cfg.ConnCounts = cfg.ConnCounts[:1] // both clients still, one count
	}
	var progress bytes.Buffer
	defer func() { t.Logf("progress:\n%s", progress.String()) }()
	rep := run(t, 2*time.Minute, cfg, targets, &progress)
	scenarios := load.Scenarios(cfg)
	if got, want := len(rep.Rows), len(scenarios)*len(targets); got != want {
		t.Fatalf("report has %d rows, want %d (scenarios × servers)", got, want)
	}
	var md, svg bytes.Buffer
	if err := rep.Markdown(&md, "go test", "chart.svg"); err != nil {
		t.Fatal(err)
	}
	if err := rep.SVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		for _, tg := range targets {
			row := rep.Row(s.Name, tg.Name)
			if row == nil || len(row.Rounds) != cfg.Rounds {
				t.Errorf("%s / %s: want %d measured rounds, got row %+v", s.Name, tg.Name, cfg.Rounds, row)
				continue
			}
			m := row.Median()
			if m.Ops <= 0 || m.Throughput() <= 0 {
				t.Errorf("%s / %s: no operations measured: %+v", s.Name, tg.Name, m)
			}
			// A fresh process grows with its connections. One that has
			// served traffic may hold the smoke run's few idle connections
			// in memory it already has (its RSS need not grow): 0 is a
			// measurement there, not a missing one.
			if s.Memory && m.BytesPerConn == 0 && !strings.Contains(s.Name, "after traffic") {
				t.Errorf("%s / %s: no memory figure", s.Name, tg.Name)
			}
			line := "| " + s.Name + " | " + tg.Name + " | "
			if !strings.Contains(md.String(), line) {
				t.Errorf("markdown lacks the row %q", line)
			}
		}
	}
	if !strings.HasPrefix(svg.String(), "<svg") || strings.Count(svg.String(), "<rect") < len(rep.Rows) {
		t.Errorf("chart has %d bars for %d rows", strings.Count(svg.String(), "<rect"), len(rep.Rows))
	}
	t.Logf("report:\n%s", md.String())
}

// TestBenchserverBinary builds cmd/benchserver the way cmd/bench does and
// checks that every kind starts, collects garbage on request, passes every
// smoke scenario, and stops cleanly when its standard input closes.
func TestBenchserverBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "benchserver")
	build := exec.Command("go", "build", "-o", bin, "duplex.dev/bench/cmd/benchserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, kind := range server.Kinds() {
		t.Run(kind, func(t *testing.T) {
			p, err := load.StartServer(kind, func() *exec.Cmd { return exec.Command(bin, "-kind", kind) }, os.Stderr, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.GC(); err != nil {
				t.Error(err)
			}
			cfg := load.SmokeConfig()
			cfg.Rounds = 1
			if testing.Short() {
				// TestHarnessSmoke runs both clients and every count.
				cfg.Clients, cfg.ConnCounts = []string{load.Gorilla}, cfg.ConnCounts[:1]
			}
			run(t, time.Minute, cfg, []load.Target{p.Target}, nil)
			if err := p.Stop(); err != nil {
				t.Errorf("stop: %v (want a clean exit when stdin closes)", err)
			}
		})
	}
}

// TestWriteDelayedDuplexLosesNothing runs the broadcast scenario against a
// Duplex server whose room streams have a write delay (the
// duplex-delay-DURATION kinds, outside the default run): every member
// still gets every message, in order. A malformed delay is refused.
func TestWriteDelayedDuplexLosesNothing(t *testing.T) {
	if _, err := server.Handler("duplex-delay-soon", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "positive duration") {
		t.Errorf("kind duplex-delay-soon: error %v, want one asking for a positive duration", err)
	}
	target := startServer(t, "duplex-delay-20ms")
	cfg := load.SmokeConfig()
	cfg.Only = regexp.MustCompile("broadcast")
	var progress bytes.Buffer
	rep := run(t, time.Minute, cfg, []load.Target{target}, &progress)
	if len(rep.Rows) != len(load.Clients) {
		t.Fatalf("want one broadcast row per load client, got %d", len(rep.Rows))
	}
	for _, row := range rep.Rows {
		if len(row.Rounds) != cfg.Rounds {
			t.Errorf("%s: want %d measured rounds, got %d", row.Scenario.Name, cfg.Rounds, len(row.Rounds))
		}
	}
	t.Logf("progress:\n%s", progress.String())
}
