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
	"syscall"
	"time"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run runs the command with args (without the program name): the table to
// stdout, progress and the servers' output to stderr. It ends early, having
// stopped the servers and removed what it built, when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	full := load.FullConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		rounds      = fs.Int("rounds", full.Rounds, "rounds; every round runs every scenario against every server")
		servers     = fs.String("servers", strings.Join(server.Kinds(), ","), "comma-separated servers to compare; the ratios are against goa and raw-inline (or raw)")
		out         = fs.String("out", "", "markdown file to write (default: standard output)")
		svgOut      = fs.String("svg", "", "SVG chart to write (default: -out with .svg instead of .md)")
		short       = fs.Bool("short", false, "smoke run: a few hundred messages per scenario")
		timeout     = fs.Duration("timeout", 0, "limit for one scenario against one server (default 60s, 20s with -short)")
		subscribers = fs.Int("subscribers", 0, "subscribers in the broadcast scenario (default 10000)")
		idle        = fs.Int("idle", 0, "connections in the idle scenario (default 5000)")
		conns       = fs.String("conns", "", "comma-separated connection counts of the 64 B echo and stream scenarios (default 10,50,100)")
		clients     = fs.String("clients", strings.Join(load.Clients, ","), "comma-separated load clients every scenario runs with")
		window      = fs.Int("window", 0, "unanswered messages per connection in the second echo scenario (default 16)")
		serverBin   = fs.String("server-bin", "", "prebuilt cmd/benchserver (default: go build it)")
		profiles    = fs.String("cpuprofile", "", "directory for one CPU profile per server (KIND.pprof)")
		only        = fs.String("scenarios", "", "regular expression: run only the scenarios whose names it matches (default: all)")
		quiet       = fs.Bool("q", false, "no progress lines")
		baseline    = fs.String("baseline", "", "git revision of this repository: also run each duplex kind of -servers as built from it (KIND@REV, from a temporary worktree), in the same rounds")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	flagSet := func(name string) bool {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
		return set
	}
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
	kinds := strings.Split(*servers, ",")
	for i, k := range kinds {
		kinds[i] = strings.TrimSpace(k)
	}
	if *baseline != "" && !slices.ContainsFunc(kinds, load.IsBaselined) {
		return fmt.Errorf("-baseline: no duplex kind in -servers %q to run as built from %s", *servers, *baseline)
	}

	bin := *serverBin
	if bin == "" {
		built, cleanup, err := load.BuildServer(ctx, stderr)
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

	var base *load.Baseline
	if *baseline != "" {
		fmt.Fprintf(stderr, "bench: building the baseline server at %s\n", *baseline)
		b, err := load.BuildBaseline(ctx, *baseline, stderr)
		if err != nil {
			return err
		}
		defer b.Remove()
		base = b
	}

	var stops []*load.Process
	// start starts server kind from binary bin as name (the kind, or
	// KIND@REV for a baseline).
	start := func(name, bin, kind string) (load.Target, error) {
		args := []string{"-kind", kind}
		if *profiles != "" {
			args = append(args, "-cpuprofile", filepath.Join(*profiles, name+".pprof"))
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
		p, err := load.StartServer(name, newCmd, stderr, 30*time.Second)
		if err != nil {
			return load.Target{}, err
		}
		stops = append(stops, p)
		return p.Target, nil
	}
	defer func() {
		for _, p := range stops {
			if err := p.Stop(); err != nil {
				fmt.Fprintln(stderr, "bench:", err)
			}
		}
	}()
	var targets []load.Target
	for _, kind := range kinds {
		t, err := start(kind, bin, kind)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		if base != nil && load.IsBaselined(kind) {
			t, err := start(base.BaselineName(kind), base.Bin, kind)
			if err != nil {
				return fmt.Errorf("baseline: %w", err)
			}
			targets = append(targets, t)
		}
	}

	var progress io.Writer = stderr
	if *quiet {
		progress = io.Discard
	}
	rep, err := load.Run(ctx, cfg, targets, progress)
	if err != nil {
		return err
	}

	command := "cd bench && go run ./cmd/bench " + strings.Join(args, " ")
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
	if err := rep.Markdown(stdout, command, chart); err != nil {
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

// setIf overrides *dst with v unless v is the zero value.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}
