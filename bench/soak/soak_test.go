package soak_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"
	"duplex.dev/bench/soak"
)

// serveEnv makes the test binary act as cmd/benchserver -debug-addr
// (KIND,DEBUGADDR), so the smoke runs the server in its own process without
// building anything.
const serveEnv = "DUPLEX_SOAK_SERVE"

func TestMain(m *testing.M) {
	if v := os.Getenv(serveEnv); v != "" {
		kind, debugAddr, _ := strings.Cut(v, ",")
		ln, err := net.Listen("tcp", debugAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		go http.Serve(ln, server.DebugHandler())
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		if err := server.Serve(context.Background(), kind, "127.0.0.1:0", os.Stdout, os.Stdin, logger); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestSoakSmoke soaks each of the raw and duplex servers for two seconds
// with 20 connections and checks that every kind of traffic was measured
// in every interval, nothing failed, the server's statistics were read, and
// the table and chart have a row and a line per sample.
func TestSoakSmoke(t *testing.T) {
	for _, kind := range []string{"raw", "duplex"} {
		t.Run(kind, func(t *testing.T) {
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			debugAddr := ln.Addr().String()
			ln.Close()
			p, err := load.StartServer(kind, func() *exec.Cmd {
				cmd := exec.Command(self, "-test.run=^$")
				cmd.Env = append(os.Environ(), serveEnv+"="+kind+","+debugAddr)
				return cmd
			}, os.Stderr, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := p.Stop(); err != nil {
					t.Errorf("stop %s: %v", kind, err)
				}
			})

			cfg := soak.DefaultConfig()
			cfg.Conns, cfg.Duration, cfg.Interval = 20, 2*time.Second, time.Second
			cfg.EchoEvery, cfg.StreamEvery, cfg.PublishEvery, cfg.ChurnEvery = 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var progress bytes.Buffer
			res, err := soak.Run(ctx, cfg, p.Target, "http://"+debugAddr+"/", &progress)
			t.Logf("progress:\n%s", progress.String())
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 {
				t.Errorf("%d operations failed: %v", res.Errors, res.FirstErrors)
			}
			// before, two intervals, after close
			if len(res.Samples) != 4 {
				t.Fatalf("got %d samples, want 4 (before, 1 s, 2 s, after close): %+v", len(res.Samples), res.Samples)
			}
			before, after := res.Samples[0], res.Samples[len(res.Samples)-1]
			if before.RSS == 0 || before.Goroutines == 0 || before.HeapBytes == 0 {
				t.Errorf("server statistics not read: %+v", before)
			}
			if !after.After || after.Open != 0 {
				t.Errorf("last sample %+v: want the after-close sample with no open connection", after)
			}
			for _, s := range res.Samples[1:3] {
				if s.Open < 15 || s.Ops == 0 || s.EchoP99 == 0 || s.StreamP99 == 0 || s.BroadcastP99 == 0 || s.ChurnP99 == 0 {
					t.Errorf("sample at %s lacks some traffic: %+v", s.At, s)
				}
				if s.Goroutines <= before.Goroutines {
					t.Errorf("sample at %s: %d server goroutines with %d connections open, %d before any", s.At, s.Goroutines, s.Open, before.Goroutines)
				}
			}
			var md, svg bytes.Buffer
			if err := res.Markdown(&md, "go test", "soak.svg"); err != nil {
				t.Fatal(err)
			}
			if err := res.SVG(&svg); err != nil {
				t.Fatal(err)
			}
			if rows := strings.Count(md.String(), "\n| "); rows != len(res.Samples)+1 {
				t.Errorf("table has %d rows, want a header and %d samples:\n%s", rows, len(res.Samples), md.String())
			}
			if !strings.Contains(md.String(), "| after close |") || !strings.Contains(md.String(), "(soak.svg)") {
				t.Errorf("table lacks the after-close row or the chart link:\n%s", md.String())
			}
			if got := strings.Count(svg.String(), "<polyline"); got != 9 {
				t.Errorf("chart has %d lines, want 9 (RSS, heap, goroutines, 2 GC pauses, 4 latencies)", got)
			}
			t.Logf("table:\n%s", md.String())
		})
	}
}
