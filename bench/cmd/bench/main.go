package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	full := load.FullConfig()
	var (
		rounds      = flag.Int("rounds", full.Rounds, "rounds; every round runs every scenario against every server")
		servers     = flag.String("servers", strings.Join(server.Kinds(), ","), "comma-separated servers to compare; the ratios are against goa and raw-inline (or raw)")
		out         = flag.String("out", "", "markdown file to write (default: standard output)")
		svgOut      = flag.String("svg", "", "SVG chart to write (default: -out with .svg instead of .md)")
		short       = flag.Bool("short", false, "smoke run: a few hundred messages per scenario")
		timeout     = flag.Duration("timeout", 0, "limit for one scenario against one server (default 60s, 20s with -short)")
		subscribers = flag.Int("subscribers", 0, "subscribers in the broadcast scenario (default 10000)")
		idle        = flag.Int("idle", 0, "connections in the idle scenario (default 5000)")
		conns       = flag.String("conns", "", "comma-separated connection counts of the 64 B echo and stream scenarios (default 10,50,100)")
		clients     = flag.String("clients", strings.Join(load.Clients, ","), "comma-separated load clients every scenario runs with")
		window      = flag.Int("window", 0, "unanswered messages per connection in the second echo scenario (default 16)")
		serverBin   = flag.String("server-bin", "", "prebuilt cmd/benchserver (default: go build it)")
		profiles    = flag.String("cpuprofile", "", "directory for one CPU profile per server (KIND.pprof)")
		only        = flag.String("scenarios", "", "regular expression: run only the scenarios whose names it matches (default: all)")
		quiet       = flag.Bool("q", false, "no progress lines")
	)
	flag.Parse()
	cfg := full
	if *short {
		cfg = load.SmokeConfig()
	}
	cfg.Rounds = *rounds
	if *short && !flagSet("rounds") {
		cfg.Rounds = 1
	}
	setIf(&cfg.ScenarioTimeout, *timeout)
	setIf(&cfg.Subscribers, *subscribers)
	setIf(&cfg.IdleConns, *idle)
	if *conns != "" {
		cfg.ConnCounts = nil
		for _, f := range strings.Split(*conns, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("-conns: %q is not a positive count", f)
			}
			cfg.ConnCounts = append(cfg.ConnCounts, n)
		}
	}
	cfg.Clients = nil
	for _, c := range strings.Split(*clients, ",") {
		c = strings.TrimSpace(c)
		if !slices.Contains(load.Clients, c) {
			return fmt.Errorf("-clients: unknown client %q (known: %v)", c, load.Clients)
		}
		cfg.Clients = append(cfg.Clients, c)
	}
	setIf(&cfg.WideWindow, *window)
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return fmt.Errorf("-scenarios: %w", err)
		}
		cfg.Only = re
	}
	if cfg.Rounds < 1 {
		return errors.New("-rounds must be at least 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	bin := *serverBin
	if bin == "" {
		built, cleanup, err := load.BuildServer(ctx, os.Stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		bin = built
	}
	if *profiles != "" {
		if err := os.MkdirAll(*profiles, 0o755); err != nil {
			return err
		}
	}

	var targets []load.Target
	for _, kind := range strings.Split(*servers, ",") {
		kind = strings.TrimSpace(kind)
		args := []string{"-kind", kind}
		if *profiles != "" {
			args = append(args, "-cpuprofile", filepath.Join(*profiles, kind+".pprof"))
		}
		// Processes spawned for the idle scenario run without a profile.
		first := true
		newCmd := func() *exec.Cmd {
			if first {
				first = false
				return exec.Command(bin, args...)
			}
			return exec.Command(bin, "-kind", kind)
		}
		p, err := load.StartServer(kind, newCmd, os.Stderr, 30*time.Second)
		if err != nil {
			return err
		}
		defer func() {
			if err := p.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
			}
		}()
		targets = append(targets, p.Target)
	}

	var progress io.Writer = os.Stderr
	if *quiet {
		progress = io.Discard
	}
	rep, err := load.Run(ctx, cfg, targets, progress)
	if err != nil {
		return err
	}

	command := "cd bench && go run ./cmd/bench " + strings.Join(os.Args[1:], " ")
	svgPath := *svgOut
	if svgPath == "" && *out != "" {
		svgPath = strings.TrimSuffix(*out, filepath.Ext(*out)) + ".svg"
	}
	chart := ""
	if svgPath != "" {
		f, err := os.Create(svgPath)
		if err != nil {
			return err
		}
		if err := rep.SVG(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", svgPath, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		chart = svgPath
		if *out != "" {
			if rel, err := filepath.Rel(filepath.Dir(*out), svgPath); err == nil {
				chart = rel
			}
		}
	}
	if err := rep.Markdown(os.Stdout, command, chart); err != nil {
		return fmt.Errorf("print table: %w", err)
	}
	if *out != "" {
		if err := writeMarkdown(*out, rep, command, chart); err != nil {
			return err
		}
	}
	if errs := rep.Errors(); len(errs) > 0 {
		return fmt.Errorf("%d scenario runs failed: %w", len(errs), errors.Join(errs...))
	}
	return nil
}

// writeMarkdown writes the report as a whole markdown file.
func writeMarkdown(path string, rep *load.Report, command, chart string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# Benchmarks\n\n")
	if err := rep.Markdown(f, command, chart); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// setIf overrides *dst with v unless v is the zero value.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}
