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

	"github.com/gorilla/websocket"
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
	// Name is the row label in the report.
	Name string
	// Unit names what Ops counts ("msg", "delivery", "conn").
	Unit string
	// Memory marks the scenario whose figure is BytesPerConn (lower is better).
	Memory bool
	run    func(ctx context.Context, cfg Config, t Target, round int) (Measurement, error)
}

// Scenarios returns the scenarios of cfg in report order.
func Scenarios(cfg Config) []Scenario {
	return []Scenario{
		{Name: fmt.Sprintf("echo %d B × %d conns, window %d", cfg.EchoSize, cfg.EchoConns, cfg.Window), Unit: "msg",
			run: func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return echo(ctx, cfg, t, cfg.EchoConns, cfg.EchoMessages, cfg.EchoSize, cfg.Window)
			}},
		{Name: fmt.Sprintf("echo %d B × %d conns, window %d", cfg.EchoSize, cfg.EchoConns, cfg.WideWindow), Unit: "msg",
			run: func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return echo(ctx, cfg, t, cfg.EchoConns, cfg.EchoMessages, cfg.EchoSize, cfg.WideWindow)
			}},
		{Name: fmt.Sprintf("echo %d KiB × %d conns, window 1", cfg.LargeSize>>10, cfg.LargeConns), Unit: "msg",
			run: func(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
				return echo(ctx, cfg, t, cfg.LargeConns, cfg.LargeMessages, cfg.LargeSize, 1)
			}},
		{Name: fmt.Sprintf("server→client stream × %d conns", cfg.StreamConns), Unit: "msg", run: serverStream},
		{Name: fmt.Sprintf("client→server stream × %d conns", cfg.ListenConns), Unit: "msg", run: clientStream},
		{Name: fmt.Sprintf("broadcast to %d in one room", cfg.Subscribers), Unit: "delivery", run: broadcast},
		{Name: fmt.Sprintf("%d idle connections", cfg.IdleConns), Unit: "conn", Memory: true, run: idle},
		{Name: fmt.Sprintf("connection churn (connect, echo, close) × %d at a time", cfg.ChurnWorkers), Unit: "conn", run: churn},
	}
}

// echo: conns connections each send n messages of size bytes to /echo with at
// most window unanswered, and check that each comes back in order.
func echo(ctx context.Context, cfg Config, t Target, conns, n, size, window int) (Measurement, error) {
	lat := &samples{}
	elapsed, err := together(ctx, t, "/echo", conns, func(ctx context.Context, c *websocket.Conn) error {
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
func together(ctx context.Context, t Target, path string, conns int, run func(ctx context.Context, c *websocket.Conn) error) (time.Duration, error) {
	var ready sync.WaitGroup
	ready.Add(conns)
	begin := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	for range conns {
		g.Go(func() error {
			c, release, err := dial(gctx, t, path)
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
func echoConn(ctx context.Context, c *websocket.Conn, n, size, window int) ([]time.Duration, error) {
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	lat := make([]time.Duration, 0, n)
	read := make(chan error, 1)
	go func() {
		read <- func() error {
			for i := range n {
				m, err := wire.ReadMessage(c)
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
			if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
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
	if err := wire.CloseSend(c); err != nil {
		return lat, err
	}
	return lat, wire.ExpectClose(c)
}

// serverStream: StreamConns connections each receive StreamMessages events from
// /subscribe; latency is the event's timestamp to its arrival.
func serverStream(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
	lat := &samples{}
	n := cfg.StreamMessages
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range cfg.StreamConns {
		g.Go(func() error {
			c, release, err := dial(gctx, t, "/subscribe?count="+strconv.Itoa(n))
			if err != nil {
				return err
			}
			defer release()
			d := make([]time.Duration, 0, n)
			defer func() { lat.add(d) }()
			for i := range n {
				ev, err := wire.ReadEvent(c)
				if err != nil {
					return fmt.Errorf("event %d of %d: %w", i+1, n, err)
				}
				ts, err := time.Parse(time.RFC3339Nano, ev.Timestamp)
				if err != nil || ev.Action != "message" || ev.Message != "event "+strconv.Itoa(i) {
					return fmt.Errorf("event %d of %d: got %+v: %w", i+1, n, ev, errLost)
				}
				d = append(d, time.Since(ts))
			}
			return wire.ExpectClose(c)
		})
	}
	if err := g.Wait(); err != nil {
		return Measurement{}, err
	}
	elapsed := time.Since(start)
	return Measurement{Ops: cfg.StreamConns * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

// clientStream: ListenConns connections each send ListenMessages messages to
// /listen, end the stream and check the count the server returns. Latency is
// from the end of the stream to the count.
func clientStream(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
	lat := &samples{}
	n := cfg.ListenMessages
	elapsed, err := together(ctx, t, "/listen", cfg.ListenConns, func(_ context.Context, c *websocket.Conn) error {
		var frame []byte
		for i := range n {
			frame = wire.MessageFrame(frame[:0], i, cfg.EchoSize)
			if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
				return fmt.Errorf("send %d of %d: %w", i+1, n, err)
			}
		}
		sent := time.Now()
		if err := wire.CloseSend(c); err != nil {
			return err
		}
		_, data, err := c.ReadMessage()
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
	return Measurement{Ops: cfg.ListenConns * n, Elapsed: elapsed,
		P50: percentile(lat.all, 50), P99: percentile(lat.all, 99)}, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// broadcast: Subscribers join one room, then BroadcastMessages messages are
// published one after the other; every subscriber must receive every message
// in order. Latency is from the publish call to the arrival.
func broadcast(ctx context.Context, cfg Config, t Target, round int) (Measurement, error) {
	room := fmt.Sprintf("r%d-%d", round, rand.Uint32())
	k, n := cfg.Subscribers, cfg.BroadcastMessages
	conns := make([]*websocket.Conn, k)
	releases := make([]func(), k)
	defer func() {
		for i, c := range conns {
			if c != nil {
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				releases[i]()
			}
		}
	}()
	joins, jctx := errgroup.WithContext(ctx)
	joins.SetLimit(cfg.DialParallel)
	for i := range k {
		joins.Go(func() error {
			c, release, err := dial(ctx, t, "/rooms/"+room)
			if err != nil {
				return err
			}
			conns[i], releases[i] = c, release
			if jctx.Err() != nil {
				return jctx.Err()
			}
			ev, err := wire.ReadEvent(c)
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
				ev, err := wire.ReadEvent(c)
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
// server's RSS is read; the figure is the RSS growth per connection, measured
// in a fresh process of the server when it can be spawned.
func idle(ctx context.Context, cfg Config, t Target, _ int) (m Measurement, err error) {
	if t.Spawn != nil {
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
	conns := make([]*websocket.Conn, cfg.IdleConns)
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
			c, release, err := dial(ctx, t, "/echo")
			if err != nil {
				return err
			}
			conns[i], releases[i] = c, release
			if err := c.WriteMessage(websocket.TextMessage, wire.MessageFrame(nil, 0, cfg.EchoSize)); err != nil {
				return fmt.Errorf("idle: send: %w", err)
			}
			if _, err := wire.ReadMessage(c); err != nil {
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
			if err := wire.CloseSend(c); err != nil {
				return err
			}
			return wire.ExpectClose(c)
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
func churn(ctx context.Context, cfg Config, t Target, _ int) (Measurement, error) {
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
				if err := churnOnce(gctx, cfg, t, i); err != nil {
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

func churnOnce(ctx context.Context, cfg Config, t Target, i int) error {
	c, release, err := dial(ctx, t, "/echo")
	if err != nil {
		return err
	}
	defer release()
	if err := c.WriteMessage(websocket.TextMessage, wire.MessageFrame(nil, i, cfg.EchoSize)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	m, err := wire.ReadMessage(c)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if seq, _, err := wire.ParseStamp(m); err != nil || seq != i {
		return fmt.Errorf("echo: got %.40q: %w", m, errLost)
	}
	if err := wire.CloseSend(c); err != nil {
		return err
	}
	return wire.ExpectClose(c)
}
