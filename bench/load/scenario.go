package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"duplex.dev/bench/wire"
)

// Measurement is one scenario against one server in one round.
type Measurement struct {
	// Ops is the number of operations completed (messages, deliveries, cycles).
	Ops int
	// Elapsed is the measured time, handshakes of long-lived connections excluded.
	Elapsed time.Duration
	// P50 and P99 are latencies of the operations.
	P50, P99 time.Duration
	// BytesPerConn is the server's RSS growth per connection (idle scenario only).
	BytesPerConn float64
	// ServerCPU is the CPU time the server process used during the
	// scenario, or during its measured phase when the scenario reads it
	// itself (broadcast: the publishing, not the joins); 0 when unknown:
	// the server's cost, whatever the load client's share of the machine.
	ServerCPU time.Duration
}

// CPUPerOp is the server's CPU time per operation (0 when unknown).
func (m Measurement) CPUPerOp() time.Duration {
	if m.Ops == 0 {
		return 0
	}
	return m.ServerCPU / time.Duration(m.Ops)
}

// Throughput is operations per second.
func (m Measurement) Throughput() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Ops) / m.Elapsed.Seconds()
}

// Scenario is one measured workload.
type Scenario struct {
	// Name is the row label in the report; it names the load client.
	Name string
	// Unit names what Ops counts ("msg", "delivery", "conn").
	Unit string
	// Memory marks the scenarios whose figure is BytesPerConn (lower is better).
	Memory bool
	// Client is the load client (Gorilla, Coder).
	Client string
	run    func(ctx context.Context, cfg Config, t Target, round int) (Measurement, error)
}

// perConn splits total operations over conns connections (at least one each).
func perConn(total, conns int) int { return max(1, total/conns) }

// Scenarios returns the scenarios of cfg in report order: for each load
// client, the 64 B echoes and the streams at every connection count, the
// 16 KiB echo, the broadcast, idle connections in a fresh process and
// churn; then, for each client, idle connections in the process that has
// just served all of that (it comes last so that, in every round, the
// process has served echo and broadcast traffic before).
func Scenarios(cfg Config) []Scenario {
	var all, after []Scenario
	for _, cl := range cfg.clients() {
		add := func(name, unit string, run func(ctx context.Context, cfg Config, t Target, round int) (Measurement, error)) {
			all = append(all, Scenario{Name: name + ", " + cl, Unit: unit, Client: cl, run: run})
		}
		for _, w := range []int{cfg.Window, cfg.WideWindow} {
			for _, n := range cfg.ConnCounts {
				add(fmt.Sprintf("echo %d B × %d conns, window %d", cfg.EchoSize, n, w), "msg",
					func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
						return echo(ctx, cl, t, n, perConn(cfg.EchoTotal, n), cfg.EchoSize, w)
					})
			}
		}
		add(fmt.Sprintf("echo %d KiB × %d conns, window 1", cfg.LargeSize>>10, cfg.LargeConns), "msg",
			func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return echo(ctx, cl, t, cfg.LargeConns, cfg.LargeMessages, cfg.LargeSize, 1)
			})
		for _, n := range cfg.ConnCounts {
			add(fmt.Sprintf("server→client stream × %d conns", n), "msg",
				func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
					return serverStream(ctx, cl, t, n, perConn(cfg.StreamTotal, n))
				})
		}
		for _, n := range cfg.ConnCounts {
			add(fmt.Sprintf("client→server stream × %d conns", n), "msg",
				func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
					return clientStream(ctx, cl, t, n, perConn(cfg.ListenTotal, n), cfg.EchoSize)
				})
		}
		add(fmt.Sprintf("broadcast to %d in one room", cfg.Subscribers), "delivery",
			func(ctx context.Context, cfg Config, t Target, round int) (Measurement, error) {
				return broadcast(ctx, cl, cfg, t, round)
			})
		all = append(all, Scenario{Name: fmt.Sprintf("%d idle connections, fresh process, %s", cfg.IdleConns, cl), Unit: "conn", Memory: true, Client: cl,
			run: func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return idle(ctx, cl, cfg, t, true)
			}})
		add(fmt.Sprintf("connection churn (connect, echo, close) × %d at a time", cfg.ChurnWorkers), "conn",
			func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return churn(ctx, cl, cfg, t)
			})
		after = append(after, Scenario{Name: fmt.Sprintf("%d idle connections, after traffic, %s", cfg.IdleConns, cl), Unit: "conn", Memory: true, Client: cl,
			run: func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return idle(ctx, cl, cfg, t, false)
			}})
	}
	return append(all, after...)
}

// echo: conns connections each send n messages of size bytes to /echo with at
// most window unanswered, and check that each comes back in order.
func echo(ctx context.Context, client string, t Target, conns, n, size, window int) (Measurement, error) {
	lat := &samples{}
	elapsed, err := together(ctx, client, t, "/echo", conns, func(ctx context.Context, c wsConn) error {
		d, err := echoConn(ctx, c, n, size, window)
		lat.add(d)
		return err
	})
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{Ops: conns * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

// together dials conns connections to path on t, starts the clock once
// every one is open (handshakes are not measured), runs run on each, and
// returns the time from the start until the last one ended.
func together(ctx context.Context, client string, t Target, path string, conns int, run func(ctx context.Context, c wsConn) error) (time.Duration, error) {
	var ready sync.WaitGroup
	ready.Add(conns)
	begin := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	for range conns {
		g.Go(func() error {
			c, release, err := dial(gctx, client, t, path)
			ready.Done()
			if err != nil {
				return err
			}
			defer release()
			select {
			case <-begin:
			case <-gctx.Done():
				return gctx.Err()
			}
			return run(gctx, c)
		})
	}
	ready.Wait()
	start := time.Now()
	close(begin)
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// echoConn runs one connection of the echo scenario and ends its stream.
func echoConn(ctx context.Context, c wsConn, n, size, window int) ([]time.Duration, error) {
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	lat := make([]time.Duration, 0, n)
	read := make(chan error, 1)
	go func() {
		read <- func() error {
			for i := range n {
				m, err := readMessage(c)
				if err != nil {
					return fmt.Errorf("echo %d of %d: %w", i+1, n, err)
				}
				seq, d, err := wire.ParseStamp(m)
				if err != nil {
					return fmt.Errorf("echo %d of %d: %w", i+1, n, err)
				}
				if seq != i || len(m) < size {
					return fmt.Errorf("echo %d of %d: got message %d of %d bytes: %w", i+1, n, seq, len(m), errLost)
				}
				lat = append(lat, d)
				credits <- struct{}{}
			}
			return nil
		}()
	}()
	// The reader's error, if it stops first, is the one worth reporting.
	readDone := false
	err := func() error {
		var frame []byte
		for i := range n {
			select {
			case <-credits:
			case err := <-read:
				readDone = true
				if err == nil {
					return fmt.Errorf("echo: %d answers before %d messages were sent: %w", n, i, errLost)
				}
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
			frame = wire.MessageFrame(frame[:0], i, size)
			if err := c.WriteText(frame); err != nil {
				return fmt.Errorf("send %d of %d: %w", i+1, n, err)
			}
		}
		return nil
	}()
	if err != nil {
		if !readDone {
			c.Close() // unblocks the reader; the writer failed first, its error is the cause
			<-read
		}
		return lat, err
	}
	if err := <-read; err != nil {
		return lat, err
	}
	if err := endStream(c); err != nil {
		return lat, err
	}
	return lat, c.ExpectClose()
}

// serverStream: conns connections each receive n events from /subscribe;
// latency is the event's timestamp to its arrival.
func serverStream(ctx context.Context, client string, t Target, conns, n int) (Measurement, error) {
	lat := &samples{}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range conns {
		g.Go(func() error {
			c, release, err := dial(gctx, client, t, "/subscribe?count="+strconv.Itoa(n))
			if err != nil {
				return err
			}
			defer release()
			d := make([]time.Duration, 0, n)
			defer func() { lat.add(d) }()
			for i := range n {
				ev, err := readEvent(c)
				if err != nil {
					return fmt.Errorf("event %d of %d: %w", i+1, n, err)
				}
				ts, err := time.Parse(time.RFC3339Nano, ev.Timestamp)
				if err != nil || ev.Action != "message" || ev.Message != "event "+strconv.Itoa(i) {
					return fmt.Errorf("event %d of %d: got %+v: %w", i+1, n, ev, errLost)
				}
				d = append(d, time.Since(ts))
			}
			return c.ExpectClose()
		})
	}
	if err := g.Wait(); err != nil {
		return Measurement{}, err
	}
	elapsed := time.Since(start)
	return Measurement{Ops: conns * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

// clientStream: conns connections each send n messages of size bytes to
// /listen, end the stream and check the count the server returns. Latency
// is from the end of the stream to the count.
func clientStream(ctx context.Context, client string, t Target, conns, n, size int) (Measurement, error) {
	lat := &samples{}
	elapsed, err := together(ctx, client, t, "/listen", conns, func(_ context.Context, c wsConn) error {
		var frame []byte
		for i := range n {
			frame = wire.MessageFrame(frame[:0], i, size)
			if err := c.WriteText(frame); err != nil {
				return fmt.Errorf("send %d of %d: %w", i+1, n, err)
			}
		}
		sent := time.Now()
		if err := endStream(c); err != nil {
			return err
		}
		data, err := c.ReadData()
		if err != nil {
			return fmt.Errorf("read count: %w", err)
		}
		lat.add([]time.Duration{time.Since(sent)})
		if got, err := strconv.Atoi(string(trimSpace(data))); err != nil || got != n {
			return fmt.Errorf("server counted %q, sent %d: %w", data, n, errLost)
		}
		return nil
	})
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{Ops: conns * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// closeAll closes every connection of conns with a close frame 1000, at
// most parallel at a time (coder's close waits for the peer's answer).
func closeAll(conns []wsConn, releases []func(), parallel int) {
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, c := range conns {
		if c == nil {
			continue
		}
		g.Go(func() error {
			c.SendClose()
			releases[i]()
			return nil
		})
	}
	g.Wait()
}

// broadcast: Subscribers join one room, then BroadcastMessages messages are
// published one after the other; every subscriber must receive every message
// in order. Latency is from the publish call to the arrival.
func broadcast(ctx context.Context, client string, cfg Config, t Target, round int) (Measurement, error) {
	room := fmt.Sprintf("r%d-%d", round, rand.Uint32())
	k, n := cfg.Subscribers, cfg.BroadcastMessages
	conns := make([]wsConn, k)
	releases := make([]func(), k)
	defer closeAll(conns, releases, cfg.DialParallel)
	joins, jctx := errgroup.WithContext(ctx)
	joins.SetLimit(cfg.DialParallel)
	for i := range k {
		joins.Go(func() error {
			c, release, err := dial(ctx, client, t, "/rooms/"+room)
			if err != nil {
				return err
			}
			conns[i], releases[i] = c, release
			if jctx.Err() != nil {
				return jctx.Err()
			}
			ev, err := readEvent(c)
			if err != nil {
				return fmt.Errorf("join: %w", err)
			}
			if ev.Action != "join" {
				return fmt.Errorf("join: first event %+v, want action join", ev)
			}
			return nil
		})
	}
	if err := joins.Wait(); err != nil {
		return Measurement{}, err
	}

	// One failure ends the scenario: closing every connection unblocks the
	// other readers instead of leaving them to the deadline.
	abort := sync.OnceFunc(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	lat := &samples{}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range conns {
		g.Go(func() error {
			d := make([]time.Duration, 0, n)
			defer func() { lat.add(d) }()
			for i := range n {
				ev, err := readEvent(c)
				if err != nil {
					abort()
					return fmt.Errorf("broadcast %d of %d: %w", i+1, n, err)
				}
				seq, l, err := wire.ParseStamp(ev.Message)
				if err == nil && (seq != i || ev.Action != "message") {
					err = fmt.Errorf("broadcast %d of %d: got %d (%s): %w", i+1, n, seq, ev.Action, errLost)
				}
				if err != nil {
					abort()
					return err
				}
				d = append(d, l)
			}
			return nil
		})
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	// The server's CPU is measured over the publishing only: the 10,000
	// handshakes before it would outweigh the fan-out.
	cpu0, cpuErr := cpuOf(t)
	start := time.Now()
	g.Go(func() error {
		var msg []byte
		for i := range n {
			msg = wire.Stamp(msg[:0], i, cfg.EchoSize)
			got, err := publish(gctx, hc, t, room, string(msg))
			if err == nil && got != k {
				err = fmt.Errorf("publish %d of %d reached %d members, want %d: %w", i+1, n, got, k, errLost)
			}
			if err != nil {
				abort()
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return Measurement{}, err
	}
	elapsed := time.Since(start)
	m := Measurement{Ops: k * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}
	if cpu1, err := cpuOf(t); err == nil && cpuErr == nil {
		m.ServerCPU = cpu1 - cpu0
	}
	return m, nil
}

// cpuOf reads the CPU time used so far by t's process.
func cpuOf(t Target) (time.Duration, error) {
	if t.PID == 0 {
		return 0, errors.New("the server runs in this process")
	}
	return CPUTime(t.PID)
}

// idle: IdleConns connections each echo one message and stay open while the
// server's RSS is read; the figure is the RSS growth per connection. With
// fresh, it is measured in a fresh process of the server (when it can be
// spawned); otherwise in t's own process, which has served the round's
// other scenarios. Heartbeats stay as each server has them by default.
func idle(ctx context.Context, client string, cfg Config, t Target, fresh bool) (m Measurement, err error) {
	if fresh && t.Spawn != nil {
		p, spawnErr := t.Spawn()
		if spawnErr != nil {
			return Measurement{}, fmt.Errorf("idle: %w", spawnErr)
		}
		defer func() {
			if serr := p.Stop(); serr != nil && err == nil {
				err = fmt.Errorf("idle: %w", serr)
			}
		}()
		t = p.Target
	}
	if t.PID == 0 {
		return Measurement{}, errors.New("idle: the server runs in this process; its memory cannot be measured alone")
	}
	gc := func() error {
		if t.GC == nil {
			return nil
		}
		return t.GC()
	}
	if err := gc(); err != nil {
		return Measurement{}, fmt.Errorf("idle: %w", err)
	}
	before, err := RSS(t.PID)
	if err != nil {
		return Measurement{}, err
	}
	conns := make([]wsConn, cfg.IdleConns)
	releases := make([]func(), cfg.IdleConns)
	defer func() {
		for i := range conns {
			if releases[i] != nil {
				releases[i]()
			}
		}
	}()
	lat := &samples{}
	start := time.Now()
	var g errgroup.Group
	g.SetLimit(cfg.DialParallel)
	for i := range conns {
		g.Go(func() error {
			begin := time.Now()
			c, release, err := dial(ctx, client, t, "/echo")
			if err != nil {
				return err
			}
			conns[i], releases[i] = c, release
			if err := c.WriteText(wire.MessageFrame(nil, 0, cfg.EchoSize)); err != nil {
				return fmt.Errorf("idle: send: %w", err)
			}
			if _, err := readMessage(c); err != nil {
				return fmt.Errorf("idle: echo: %w", err)
			}
			lat.add([]time.Duration{time.Since(begin)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Measurement{}, err
	}
	elapsed := time.Since(start)
	if err := gc(); err != nil {
		return Measurement{}, fmt.Errorf("idle: %w", err)
	}
	after, err := RSS(t.PID)
	if err != nil {
		return Measurement{}, err
	}
	// End every stream properly, so the server is idle again for the next scenario.
	var closing errgroup.Group
	closing.SetLimit(cfg.DialParallel)
	for _, c := range conns {
		closing.Go(func() error {
			if err := endStream(c); err != nil {
				return err
			}
			return c.ExpectClose()
		})
	}
	if err := closing.Wait(); err != nil {
		return Measurement{}, fmt.Errorf("idle: close: %w", err)
	}
	return Measurement{Ops: cfg.IdleConns, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99),
		BytesPerConn: float64(after-before) / float64(cfg.IdleConns)}, nil
}

// churn: ChurnCycles times, on ChurnWorkers workers, connect to /echo, echo
// one message, end the stream, wait for the close and disconnect.
func churn(ctx context.Context, client string, cfg Config, t Target) (Measurement, error) {
	lat := &samples{}
	next := make(chan int, cfg.ChurnCycles)
	for i := range cfg.ChurnCycles {
		next <- i
	}
	close(next)
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range cfg.ChurnWorkers {
		g.Go(func() error {
			var d []time.Duration
			defer func() { lat.add(d) }()
			for i := range next {
				begin := time.Now()
				if err := churnOnce(gctx, client, cfg, t, i); err != nil {
					return fmt.Errorf("cycle %d: %w", i+1, err)
				}
				d = append(d, time.Since(begin))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Measurement{}, err
	}
	elapsed := time.Since(start)
	return Measurement{Ops: cfg.ChurnCycles, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

func churnOnce(ctx context.Context, client string, cfg Config, t Target, i int) error {
	c, release, err := dial(ctx, client, t, "/echo")
	if err != nil {
		return err
	}
	defer release()
	if err := c.WriteText(wire.MessageFrame(nil, i, cfg.EchoSize)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	m, err := readMessage(c)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if seq, _, err := wire.ParseStamp(m); err != nil || seq != i {
		return fmt.Errorf("echo: got %.40q: %w", m, errLost)
	}
	if err := endStream(c); err != nil {
		return err
	}
	return c.ExpectClose()
}
