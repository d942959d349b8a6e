package scale_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/bench/load"
	"duplex.dev/bench/scale"
	"duplex.dev/bench/server"
)

// serveEnv makes the test binary act as cmd/benchserver.
const serveEnv = "DUPLEX_SCALE_SERVE"

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

// TestScaleSmoke holds a few hundred idle connections from two loopback
// source addresses against the Duplex and the Goa server, each in a
// process of its own, and checks that every figure is measured and every
// connection answers at the end.
func TestScaleSmoke(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var results []*scale.Result
	for _, kind := range []string{"duplex", "goa"} {
		p, err := load.StartServer(kind, func() *exec.Cmd {
			cmd := exec.Command(self, "-test.run=^$")
			cmd.Env = append(os.Environ(), serveEnv+"="+kind)
			return cmd
		}, os.Stderr, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := scale.Run(ctx, scale.Config{Conns: 300, Sources: 2, Hold: 200 * time.Millisecond, DialParallel: 32}, p.Target, "", nil)
		cancel()
		if serr := p.Stop(); serr != nil {
			t.Errorf("stop %s: %v", kind, serr)
		}
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if res.Answered != 300 || res.Dropped != 0 {
			t.Errorf("%s: %d of 300 answered, %d dropped", kind, res.Answered, res.Dropped)
		}
		if res.Connect <= 0 || res.RSSAfter <= res.RSSBefore {
			t.Errorf("%s: connect %s, RSS %d -> %d: not measured", kind, res.Connect, res.RSSBefore, res.RSSAfter)
		}
		results = append(results, res)
	}
	var md strings.Builder
	scale.Markdown(&md, results)
	for _, want := range []string{"| duplex | 300 |", "| goa | 300 |", "300 of 300"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, md.String())
		}
	}
}

// TestCheckLimitsNamesTheLimit checks that a count beyond the open-file
// limit is refused with the limit named, and one within it is not.
func TestCheckLimitsNamesTheLimit(t *testing.T) {
	err := scale.CheckLimits(100000, 8, 20000)
	if err == nil || !strings.Contains(err.Error(), "RLIMIT_NOFILE is 20000") || !strings.Contains(err.Error(), "at most 19936") {
		t.Errorf("CheckLimits(100000 conns, 20000 files) = %v, want the open-file limit named", err)
	}
	if err := scale.CheckLimits(1000, 1, 20000); err != nil {
		t.Errorf("CheckLimits(1000 conns, 20000 files) = %v, want nil", err)
	}
	if got := scale.SourcesFor(100000, 0, 0); len(got) != 11 || got[0].String() != "127.0.0.2" {
		t.Errorf("SourcesFor(100000) = %v, want 11 addresses from 127.0.0.2", got)
	}
	if got := scale.SourcesFor(100, 2, 300); got[0].String() != "127.1.0.44" {
		t.Errorf("SourcesFor(first 300) = %v, want 127.1.0.44 first", got)
	}
}
