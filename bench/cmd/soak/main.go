package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"duplex.dev/bench/load"
	"duplex.dev/bench/soak"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run() error {
	def := soak.DefaultConfig()
	var (
		kinds     = flag.String("kind", "duplex", "comma-separated server kinds to soak one after the other (see cmd/benchserver)")
		conns     = flag.Int("conns", def.Conns, "connections held")
		duration  = flag.Duration("duration", def.Duration, "how long the traffic runs, per server")
		interval  = flag.Duration("interval", def.Interval, "sampling period")
		out       = flag.String("out", "", "markdown file to write (default: standard output only)")
		serverBin = flag.String("server-bin", "", "prebuilt cmd/benchserver (default: go build it)")
		quiet     = flag.Bool("q", false, "no progress lines")
	)
	flag.Parse()
	cfg := def
	cfg.Conns, cfg.Duration, cfg.Interval = *conns, *duration, *interval
	if cfg.Conns < 1 || cfg.Duration <= 0 || cfg.Interval <= 0 {
		return errors.New("-conns, -duration and -interval must be positive")
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
	var progress io.Writer = os.Stderr
	if *quiet {
		progress = io.Discard
	}
	command := "cd bench && go run ./cmd/soak " + strings.Join(os.Args[1:], " ")

	var md strings.Builder
	var failed error
	for _, kind := range strings.Split(*kinds, ",") {
		kind = strings.TrimSpace(kind)
		res, err := soakOne(ctx, bin, kind, cfg, progress)
		if err != nil {
			return err
		}
		chart := ""
		if *out != "" {
			svgPath := strings.TrimSuffix(*out, filepath.Ext(*out)) + "-" + kind + ".svg"
			if err := writeFile(svgPath, res.SVG); err != nil {
				return err
			}
			chart = filepath.Base(svgPath)
		}
		fmt.Fprintf(&md, "## %s\n\n", kind)
		if err := res.Markdown(&md, command, chart); err != nil {
			return err
		}
		md.WriteString("\n")
		if res.Errors > 0 {
			failed = errors.Join(failed, fmt.Errorf("%s: %d operations failed (first: %v)", kind, res.Errors, res.FirstErrors[0]))
		}
	}
	fmt.Print(md.String())
	if *out != "" {
		if err := writeFile(*out, func(w io.Writer) error {
			_, err := io.WriteString(w, "# Soak\n\n"+md.String())
			return err
		}); err != nil {
			return err
		}
	}
	return failed
}

// soakOne starts a fresh server of kind with its runtime statistics on a
// free loopback port, soaks it, and stops it.
func soakOne(ctx context.Context, bin, kind string, cfg soak.Config, progress io.Writer) (*soak.Result, error) {
	debugAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := load.StartServer(kind, func() *exec.Cmd {
		return exec.Command(bin, "-kind", kind, "-debug-addr", debugAddr)
	}, os.Stderr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	fmt.Fprintf(progress, "soak %s: %d connections for %s\n", kind, cfg.Conns, cfg.Duration)
	res, err := soak.Run(ctx, cfg, p.Target, "http://"+debugAddr+"/", progress)
	if err != nil {
		return nil, fmt.Errorf("soak %s: %w", kind, err)
	}
	if err := p.Stop(); err != nil {
		return nil, fmt.Errorf("soak %s: %w", kind, err)
	}
	return res, nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for the server's -debug-addr.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
