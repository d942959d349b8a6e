package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"duplex.dev/bench/server"
)

func main() {
	exit := 0
	defer func() { os.Exit(exit) }() // after the profile is written

	kind := flag.String("kind", "raw", fmt.Sprintf("server to run: %v", server.Kinds()))
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	verbose := flag.Bool("v", false, "log connection errors to stderr")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	debugAddr := flag.String("debug-addr", "", "also serve the process's runtime statistics (goroutines, heap, GC pauses) as JSON on this loopback address, for cmd/soak")
	flag.Parse()
	if *debugAddr != "" {
		ln, err := net.Listen("tcp", *debugAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchserver:", err)
			os.Exit(1)
		}
		// Served until the process exits.
		go http.Serve(ln, server.DebugHandler())
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchserver:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "benchserver:", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Serve(ctx, *kind, *addr, os.Stdout, os.Stdin, logger); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		exit = 1
	}
}
