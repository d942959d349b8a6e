package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCommandWritesReport builds cmd/benchserver, runs the command for two
// seconds against the duplex server with 20 connections (the server started
// with -debug-addr, as the documented run does), and checks that it
// succeeds and writes the markdown page and the chart.
func TestCommandWritesReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/benchserver; soak.TestSoakSmoke covers the soak itself in -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "benchserver")
	if out, err := exec.Command("go", "build", "-o", bin, "duplex.dev/bench/cmd/benchserver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "soak.md")
	os.Args = []string{"soak", "-kind", "duplex", "-conns", "20", "-duration", "2s", "-interval", "1s", "-q", "-server-bin", bin, "-out", out}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Soak", "## duplex", "| after close | 0 |", "Failed operations: 0.", "(soak-duplex.svg)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "soak-duplex.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(svg), "<svg") || strings.Count(string(svg), "<polyline") != 9 {
		t.Errorf("chart is not the four panels' nine lines:\n%.300s", svg)
	}
}
