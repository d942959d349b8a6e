package load_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"duplex.dev/bench/load"
)

// replayEcho is a broken echo server: it answers every connection's second
// message with its first one again.
func replayEcho(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	var first []byte
	for i := 0; ; i++ {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		if i == 0 {
			first = data
		}
		if i == 1 {
			data = first
		}
		if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
			return
		}
	}
}

// TestRunReportsLostMessages checks that the harness reports a server that
// does not echo what it was sent as a failure, not as a number.
func TestRunReportsLostMessages(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo", replayEcho)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := load.SmokeConfig()
	cfg.ScenarioTimeout = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := load.Run(ctx, cfg, []load.Target{{Name: "raw", URL: srv.URL}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	echoes := 0
	for _, s := range load.Scenarios(cfg) {
		if !strings.HasPrefix(s.Name, "echo ") {
			continue
		}
		echoes++
		row := rep.Row(s.Name, "raw")
		if row == nil || len(row.Errors) != 1 || len(row.Rounds) != 0 {
			t.Fatalf("%s: want one failed round, got %+v", s.Name, row)
		}
		if !strings.Contains(row.Errors[0].Error(), "messages lost") {
			t.Errorf("%s: error %q does not say messages were lost", s.Name, row.Errors[0])
		}
	}
	if want := 2 * (2*len(cfg.ConnCounts) + 1); echoes != want { // two clients × (two windows × counts + 16 KiB)
		t.Errorf("%d echo scenarios, want %d", echoes, want)
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md, "go test", ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| raw | failed: ") {
		t.Errorf("markdown does not show the failure:\n%s", md.String())
	}
}

// TestRowMedian checks that a row's summary is the median round of each figure.
func TestRowMedian(t *testing.T) {
	row := load.Row{Rounds: []load.Measurement{
		{Ops: 100, Elapsed: time.Second, P50: 3 * time.Millisecond, P99: 9 * time.Millisecond},
		{Ops: 100, Elapsed: 4 * time.Second, P50: 1 * time.Millisecond, P99: 7 * time.Millisecond},
		{Ops: 100, Elapsed: 2 * time.Second, P50: 2 * time.Millisecond, P99: 8 * time.Millisecond},
	}}
	m := row.Median()
	if got := m.Throughput(); got < 49.9 || got > 50.1 {
		t.Errorf("median throughput %.2f/s, want 50/s (the 2 s round)", got)
	}
	if m.P50 != 2*time.Millisecond || m.P99 != 8*time.Millisecond {
		t.Errorf("median p50 %s p99 %s, want 2ms and 8ms", m.P50, m.P99)
	}
}

// TestRunRefusesRemoteTargets checks that the harness loads loopback servers only.
func TestRunRefusesRemoteTargets(t *testing.T) {
	_, err := load.Run(context.Background(), load.SmokeConfig(), []load.Target{{Name: "raw", URL: "http://192.0.2.1:80"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Run against 192.0.2.1: err = %v, want a refusal naming loopback", err)
	}
}

// TestProcStats reads this process's memory and CPU time the way the
// harness reads a server's.
func TestProcStats(t *testing.T) {
	rss, err := load.RSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 {
		t.Errorf("RSS of this test process = %d bytes, want at least 1 MiB", rss)
	}
	cpu, err := load.CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if cpu < 0 || cpu > time.Hour {
		t.Errorf("CPU time of this test process = %s, want between 0 and an hour", cpu)
	}
}
