// Command scale is issue 20's scale run: it holds many idle WebSocket
// connections (100,000 by default) against each benchmark server in turn,
// heartbeats at their defaults, and reports the time to open them all, the
// server's resident memory, its CPU while they are idle and whether every
// connection still answers at the end. It is not part of .ci/run.
//
//	cd bench && go run ./cmd/scale -kinds duplex,goa -conns 100000 -hold 60s
//
// Before dialing it raises its open-file limit to the hard limit (the
// servers it starts inherit it) and refuses to start, naming the limit,
// when the machine cannot hold the connections: open files per process,
// ephemeral ports per source address, the conntrack table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"duplex.dev/bench/load"
	"duplex.dev/bench/scale"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kinds     = flag.String("kinds", "duplex,goa", "comma-separated servers, run one after the other")
		conns     = flag.Int("conns", 100000, "idle connections per server")
		sources   = flag.Int("sources", 0, "loopback source addresses per server, 127.0.0.2… (default: one per 10,000 connections; each server gets its own)")
		hold      = flag.Duration("hold", 60*time.Second, "window over which the server's CPU is read while every connection is idle")
		parallel  = flag.Int("dial-parallel", 256, "concurrent handshakes")
		traffic   = flag.Bool("traffic", false, "serve each server the harness's echo and broadcast traffic before opening the idle connections")
		profile   = flag.String("profile", "", "directory for each server's heap profiles with every connection open and after the idle window (KIND-heap.pprof, KIND-heap-held.pprof) and CPU profile of its whole run (KIND-cpu.pprof)")
		timeout   = flag.Duration("timeout", 10*time.Minute, "limit for the whole run")
		serverBin = flag.String("server-bin", "", "prebuilt cmd/benchserver (default: go build it)")
	)
	flag.Parse()
	files, err := scale.RaiseFileLimit()
	if err != nil {
		return err
	}
	if err := scale.CheckLimits(*conns, len(scale.SourcesFor(*conns, *sources, 0)), files); err != nil {
		return fmt.Errorf("this machine cannot hold %d connections: %w", *conns, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			return err
		}
	}
	bin := *serverBin
	if bin == "" {
		built, cleanup, err := load.BuildServer(ctx, os.Stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		bin = built
	}
	cfg := scale.Config{Conns: *conns, Sources: *sources, Hold: *hold, DialParallel: *parallel, ProfileDir: *profile}
	n := len(scale.SourcesFor(*conns, *sources, 0))
	var results []*scale.Result
	var errs []error
	for k, kind := range strings.Split(*kinds, ",") {
		// Each server gets source addresses of its own: the previous
		// run's ports stay in TIME_WAIT for a minute.
		cfg.FirstSource = 2 + k*n
		res, err := one(ctx, bin, strings.TrimSpace(kind), cfg, *traffic, *profile)
		if res != nil {
			results = append(results, res)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "scale %s: %v\n", kind, err)
			errs = append(errs, fmt.Errorf("%s: %w", kind, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Printf("Command: `cd bench && go run ./cmd/scale %s` (open files per process: %d; load average before: %s).\n\n",
		strings.Join(os.Args[1:], " "), files, loadAverage())
	scale.Markdown(os.Stdout, results)
	return errors.Join(errs...)
}

// one starts a fresh server of kind with its debug address, optionally
// serves it traffic, runs the scale run and stops it.
func one(ctx context.Context, bin, kind string, cfg scale.Config, traffic bool, profile string) (*scale.Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	debugAddr := ln.Addr().String()
	ln.Close()
	args := []string{"-kind", kind, "-debug-addr", debugAddr}
	if profile != "" {
		args = append(args, "-cpuprofile", filepath.Join(profile, kind+"-cpu.pprof"))
	}
	p, err := load.StartServer(kind, func() *exec.Cmd { return exec.Command(bin, args...) }, os.Stderr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	if traffic {
		fmt.Fprintf(os.Stderr, "scale %s: serving echo and broadcast traffic first\n", kind)
		if err := load.Traffic(ctx, load.FullConfig(), p.Target); err != nil {
			return nil, err
		}
	}
	res, err := scale.Run(ctx, cfg, p.Target, "http://"+debugAddr, os.Stderr)
	if serr := p.Stop(); serr != nil && err == nil {
		err = serr
	}
	return res, err
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
