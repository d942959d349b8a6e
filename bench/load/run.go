package load

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"time"
)

// Row is one scenario against one server, summarised over the rounds.
type Row struct {
	Scenario Scenario
	Server   string
	// Rounds holds every successful round's measurement, in run order.
	Rounds []Measurement
	// Errors holds every failed round's error; a row with errors is not a result.
	Errors []error
}

// Median returns the median round: the median of each figure taken separately.
func (r Row) Median() Measurement {
	if len(r.Rounds) == 0 {
		return Measurement{}
	}
	med := func(f func(Measurement) float64) float64 {
		v := make([]float64, len(r.Rounds))
		for i, m := range r.Rounds {
			v[i] = f(m)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	thr := med(Measurement.Throughput)
	ops := r.Rounds[0].Ops
	return Measurement{
		Ops:          ops,
		Elapsed:      time.Duration(float64(ops) / thr * float64(time.Second)),
		P50:          time.Duration(med(func(m Measurement) float64 { return float64(m.P50) })),
		P99:          time.Duration(med(func(m Measurement) float64 { return float64(m.P99) })),
		BytesPerConn: med(func(m Measurement) float64 { return m.BytesPerConn }),
		ServerCPU:    time.Duration(med(func(m Measurement) float64 { return float64(m.ServerCPU) })),
	}
}

// Report is the result of Run.
type Report struct {
	Config  Config
	Servers []string
	// Rows is every scenario × every server, scenarios in Scenarios order,
	// servers in the order given to Run.
	Rows []*Row
	// Started and Elapsed time the whole run.
	Started time.Time
	Elapsed time.Duration
}

// Row returns the row of scenario (by name) and server, or nil.
func (r *Report) Row(scenario, server string) *Row {
	for _, row := range r.Rows {
		if row.Scenario.Name == scenario && row.Server == server {
			return row
		}
	}
	return nil
}

// Errors returns every failure of the run, each naming its scenario, server and round.
func (r *Report) Errors() []error {
	var errs []error
	for _, row := range r.Rows {
		for _, err := range row.Errors {
			errs = append(errs, fmt.Errorf("%s / %s: %w", row.Scenario.Name, row.Server, err))
		}
	}
	return errs
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// Run runs every scenario of cfg against every target, cfg.Rounds times,
// interleaved: in each round every scenario runs against every server before
// the next scenario, and the server order rotates from round to round so that
// no server always goes first. Progress lines go to progress (nil discards
// them). Every target must be on the loopback interface. A failed scenario is recorded in its row and the run goes on; Run
// returns an error only when ctx ends.
func Run(ctx context.Context, cfg Config, targets []Target, progress io.Writer) (*Report, error) {
	if progress == nil {
		progress = io.Discard
	}
	for _, t := range targets {
		u, err := url.Parse(t.URL)
		if err != nil || u.Scheme != "http" || !loopback(u.Hostname()) {
			return nil, fmt.Errorf("run: target %s: %q is not an http:// loopback URL (the harness loads 127.0.0.1 only)", t.Name, t.URL)
		}
	}
	rep := &Report{Config: cfg, Started: time.Now()}
	scenarios := Scenarios(cfg)
	if cfg.Only != nil {
		scenarios = slices.DeleteFunc(scenarios, func(s Scenario) bool { return !cfg.Only.MatchString(s.Name) })
		if len(scenarios) == 0 {
			return nil, fmt.Errorf("run: no scenario name matches %q", cfg.Only)
		}
	}
	for _, s := range scenarios {
		for _, t := range targets {
			rep.Rows = append(rep.Rows, &Row{Scenario: s, Server: t.Name})
		}
	}
	for _, t := range targets {
		rep.Servers = append(rep.Servers, t.Name)
	}
	// Warm up every server (first connections, heap growth) so that the
	// first measured scenario does not pay for its start.
	for _, t := range targets {
		wctx, cancel := context.WithTimeout(ctx, cfg.ScenarioTimeout)
		_, err := echo(wctx, Gorilla, t, 10, 50, cfg.EchoSize, 1)
		cancel()
		if err != nil {
			fmt.Fprintf(progress, "warm-up %s FAILED: %v\n", t.Name, err)
		}
	}
	for round := range cfg.Rounds {
		for si, s := range scenarios {
			for i := range targets {
				t := targets[(i+round)%len(targets)]
				row := rep.Rows[si*len(targets)+slices.IndexFunc(targets, func(x Target) bool { return x.Name == t.Name })]
				// The idle scenario runs in a fresh process: no CPU figure for it.
				measureCPU := t.PID != 0 && !s.Memory
				var cpu0 time.Duration
				if measureCPU {
					var err error
					cpu0, err = CPUTime(t.PID)
					measureCPU = err == nil
				}
				sctx, cancel := context.WithTimeout(ctx, cfg.ScenarioTimeout)
				m, err := s.run(sctx, cfg, t, round)
				cancel()
				if measureCPU && m.ServerCPU == 0 {
					if cpu1, err := CPUTime(t.PID); err == nil {
						m.ServerCPU = cpu1 - cpu0
					}
				}
				if ctx.Err() != nil {
					return rep, fmt.Errorf("run: %w", ctx.Err())
				}
				if err != nil {
					row.Errors = append(row.Errors, fmt.Errorf("round %d: %w", round+1, err))
					fmt.Fprintf(progress, "round %d  %-45s %-15s FAILED: %v\n", round+1, s.Name, t.Name, err)
					continue
				}
				row.Rounds = append(row.Rounds, m)
				if s.Memory {
					fmt.Fprintf(progress, "round %d  %-45s %-15s %8.1f KB/conn\n", round+1, s.Name, t.Name, m.BytesPerConn/1024)
				} else {
					fmt.Fprintf(progress, "round %d  %-45s %-15s %10.0f %s/s  p50 %s  p99 %s  server CPU %s/%s\n",
						round+1, s.Name, t.Name, m.Throughput(), s.Unit, FormatDuration(m.P50), FormatDuration(m.P99), FormatDuration(m.CPUPerOp()), s.Unit)
				}
			}
		}
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}
