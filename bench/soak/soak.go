package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"

	"duplex.dev/bench/wire"
)

// Config sets the size and mix of a soak run. DefaultConfig is the documented
// 10-minute run. Every period below is an average: each wait is drawn
// uniformly between half and one and a half times it, so that connections
// do not move in lockstep.
type Config struct {
	// Conns is the number of connections held; they are split between the
	// kinds of traffic by the fractions below (the rest are idle).
	Conns int
	// Echo, Stream, Room and Churn are the fractions of Conns given to each
	// kind of traffic; Idle connections take what is left.
	Echo, Stream, Room, Churn float64
	// EchoEvery is how often each echo connection sends a 64 B message and
	// waits for it to come back.
	EchoEvery time.Duration
	// StreamEvents is how many events each /subscribe stream receives before
	// the server closes it; the client then waits StreamEvery and reconnects.
	StreamEvents int
	StreamEvery  time.Duration
	// Rooms share the room connections; one publisher per room POSTs a
	// message every PublishEvery.
	Rooms        int
	PublishEvery time.Duration
	// ChurnEvery is the pause of each churn worker between two
	// connect/echo/close cycles.
	ChurnEvery time.Duration
	// Duration is how long the traffic runs; Interval is the sampling period.
	Duration, Interval time.Duration
	// DialParallel bounds concurrent handshakes while the connections open.
	DialParallel int
}

// DefaultConfig is issue 10's soak: 1,000 connections (40% echo once a
// second, 10% streams of 50 events, 20% in 4 rooms with one message a second
// each, 5% churn workers, 25% idle) for 10 minutes, sampled every 10 s.
func DefaultConfig() Config {
	return Config{
		Conns: 1000,
		Echo:  0.40, Stream: 0.10, Room: 0.20, Churn: 0.05,
		EchoEvery:    time.Second,
		StreamEvents: 50, StreamEvery: time.Second,
		Rooms: 4, PublishEvery: time.Second,
		ChurnEvery:   500 * time.Millisecond,
		Duration:     10 * time.Minute,
		Interval:     10 * time.Second,
		DialParallel: 64,
	}
}

// Sample is one interval of a run (the first, at 0 s, is the server before
// any connection; the last, marked After, once every client has left).
type Sample struct {
	// At is the time since the traffic started.
	At time.Duration
	// After marks the sample taken once every connection was closed.
	After bool
	// Open is the number of client connections open at the sample.
	Open int
	// RSS is the server process's resident memory (VmRSS) in bytes.
	RSS int64
	// Goroutines, HeapBytes and GCs (cycles in the interval) are the
	// server's, from server.RuntimeStats.
	Goroutines int
	HeapBytes  uint64
	GCs        uint64
	// GCPauseMax and GCPauseP99 are the longest and the 99th percentile
	// stop-the-world GC pause of the interval (bucket upper bounds).
	GCPauseMax, GCPauseP99 time.Duration
	// Ops counts the operations completed in the interval: echo round
	// trips, stream events, broadcast deliveries and churn cycles.
	Ops int
	// P99 is over every latency of the interval; the others per kind.
	P99, EchoP99, StreamP99, BroadcastP99, ChurnP99 time.Duration
	// Errors counts the operations that failed in the interval.
	Errors int
}

// Result is a whole run.
type Result struct {
	// Server is the target's name (its kind).
	Server  string
	Config  Config
	Samples []Sample
	// Errors is the number of failed operations; FirstErrors keeps the
	// first few, to say what went wrong.
	Errors      int
	FirstErrors []error
	// Elapsed is the length of the whole run, opening and closing included.
	Elapsed time.Duration
}

// kinds of latency sample.
const (
	kindEcho = iota
	kindStream
	kindBroadcast
	kindChurn
	nKinds
)

// window gathers what the traffic goroutines report during one interval.
type window struct {
	mu     sync.Mutex
	lat    [nKinds][]time.Duration
	ops    int
	errors int
	total  int
	first  []error
}

func (w *window) record(kind int, d time.Duration, ops int) {
	w.mu.Lock()
	w.lat[kind] = append(w.lat[kind], d)
	w.ops += ops
	w.mu.Unlock()
}

func (w *window) fail(err error) {
	w.mu.Lock()
	w.errors++
	w.total++
	if len(w.first) < 10 {
		w.first = append(w.first, err)
	}
	w.mu.Unlock()
}

// take returns the interval's latencies, operations and errors and starts
// a new interval.
func (w *window) take() (lat [nKinds][]time.Duration, ops, errs int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	lat, ops, errs = w.lat, w.ops, w.errors
	w.lat, w.ops, w.errors = [nKinds][]time.Duration{}, 0, 0
	return lat, ops, errs
}

// Run soaks target t with cfg's traffic for cfg.Duration, sampling the
// server's RSS (by t.PID) and its runtime statistics (GET debugURL, served by
// cmd/benchserver -debug-addr) every cfg.Interval, and writes one progress
// line per sample to progress (nil for none). It returns an error only when
// the run could not be measured (no server, connections that could not be
// opened); failed operations during the run are counted in the Result.
func Run(ctx context.Context, cfg Config, t load.Target, debugURL string, progress io.Writer) (*Result, error) {
	if t.PID == 0 {
		return nil, errors.New("soak: the server must run in its own process (Target.PID)")
	}
	if cfg.Interval <= 0 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("soak: duration (%s) and interval (%s) must be positive", cfg.Duration, cfg.Interval)
	}
	if progress == nil {
		progress = io.Discard
	}
	s := &sampler{t: t, debugURL: debugURL, hc: &http.Client{Timeout: 10 * time.Second}}
	start := time.Now()
	first, err := s.sample(ctx, 0)
	if err != nil {
		return nil, err
	}
	res := &Result{Server: t.Name, Config: cfg, Samples: []Sample{first}}
	fmt.Fprintln(progress, header)
	fmt.Fprintln(progress, first.line(cfg.Interval))

	r := &runner{cfg: cfg, t: t, w: &window{}}
	trafficCtx, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	if err := r.open(trafficCtx); err != nil {
		stopTraffic()
		r.wait()
		return nil, err
	}
	r.start(trafficCtx)

	// One sample every Interval and one at the end of Duration (not two
	// when the end falls on an interval: a ticker and an end timer firing
	// together gave an extra sample).
	trafficStart := time.Now()
	for i := 1; ; i++ {
		at := time.Duration(i) * cfg.Interval
		last := at >= cfg.Duration
		if last {
			at = cfg.Duration
		}
		wait := time.NewTimer(time.Until(trafficStart.Add(at)))
		select {
		case <-wait.C:
		case <-ctx.Done():
			last = true
		}
		wait.Stop()
		smp, err := s.sample(ctx, time.Since(trafficStart))
		if err != nil {
			r.w.fail(fmt.Errorf("sample: %w", err))
		} else {
			r.fill(&smp)
			res.Samples = append(res.Samples, smp)
			fmt.Fprintln(progress, smp.line(cfg.Interval))
		}
		if last {
			break
		}
	}
	stopTraffic()
	r.wait()

	// Once every client has left, the server should be back near where it
	// started: wait (bounded) for its goroutines to go back down, then sample.
	after := Sample{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		after, err = s.sample(context.Background(), time.Since(trafficStart))
		if err != nil || after.Goroutines <= first.Goroutines+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // polling the server's goroutine count: nothing to wait on
	}
	if err == nil {
		after.After = true
		r.fill(&after)
		// Latencies of the last moments (the connections closing) belong to
		// no interval; the row is about the server once the clients left.
		after.Ops, after.P99, after.EchoP99, after.StreamP99, after.BroadcastP99, after.ChurnP99 = 0, 0, 0, 0, 0, 0
		res.Samples = append(res.Samples, after)
		fmt.Fprintln(progress, after.line(cfg.Interval))
	}
	res.Errors = r.w.total
	res.FirstErrors = r.w.first
	res.Elapsed = time.Since(start)
	return res, nil
}

// sampler reads the server's side of a sample.
type sampler struct {
	t        load.Target
	debugURL string
	hc       *http.Client
	last     *server.RuntimeStats
}

func (s *sampler) sample(ctx context.Context, at time.Duration) (Sample, error) {
	rss, err := load.RSS(s.t.PID)
	if err != nil {
		return Sample{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.debugURL, nil)
	if err != nil {
		return Sample{}, fmt.Errorf("read server stats: %w", err)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return Sample{}, fmt.Errorf("read server stats: %w", err)
	}
	defer resp.Body.Close()
	var st server.RuntimeStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return Sample{}, fmt.Errorf("read server stats: HTTP %d: %w", resp.StatusCode, err)
	}
	smp := Sample{At: at, RSS: rss, Goroutines: st.Goroutines, HeapBytes: st.HeapBytes}
	if s.last != nil {
		smp.GCs = st.GCCycles - s.last.GCCycles
		smp.GCPauseMax, smp.GCPauseP99 = pauses(s.last.GCPauses, st.GCPauses)
	}
	s.last = &st
	return smp, nil
}

// pauses returns the longest and the 99th percentile pause between two
// cumulative histograms (upper bounds of their buckets).
func pauses(before, after server.Histogram) (maxPause, p99 time.Duration) {
	if len(after.Counts) == 0 || len(before.Counts) != len(after.Counts) || len(after.Buckets) != len(after.Counts)+1 {
		return 0, 0
	}
	delta := make([]uint64, len(after.Counts))
	var n uint64
	for i := range delta {
		delta[i] = after.Counts[i] - before.Counts[i]
		n += delta[i]
	}
	if n == 0 {
		return 0, 0
	}
	seconds := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	rank := (n*99 + 99) / 100 // ceil(0.99 n)
	var seen uint64
	for i, c := range delta {
		if c == 0 {
			continue
		}
		seen += c
		if p99 == 0 && seen >= rank {
			p99 = seconds(after.Buckets[i+1])
		}
		maxPause = seconds(after.Buckets[i+1])
	}
	return maxPause, p99
}

// runner owns the traffic's connections and goroutines.
type runner struct {
	cfg       Config
	t         load.Target
	w         *window
	openConns atomic.Int64 // client connections open now
	wg        sync.WaitGroup

	echoConns, idleConns, roomConns []*websocket.Conn
	roomOf                          []int
}

// fill completes a sample with the client's side of the interval.
func (r *runner) fill(s *Sample) {
	lat, ops, errs := r.w.take()
	s.Ops, s.Errors, s.Open = ops, errs, int(r.openConns.Load())
	var all []time.Duration
	for k := range lat {
		all = append(all, lat[k]...)
	}
	s.P99 = percentile(all, 99)
	s.EchoP99 = percentile(lat[kindEcho], 99)
	s.StreamP99 = percentile(lat[kindStream], 99)
	s.BroadcastP99 = percentile(lat[kindBroadcast], 99)
	s.ChurnP99 = percentile(lat[kindChurn], 99)
}

func (r *runner) split() (echo, stream, room, churn, idle int) {
	n := float64(r.cfg.Conns)
	echo, stream, room, churn = int(n*r.cfg.Echo), int(n*r.cfg.Stream), int(n*r.cfg.Room), int(n*r.cfg.Churn)
	idle = max(0, r.cfg.Conns-echo-stream-room-churn)
	return
}

// open dials the long-lived connections (echo, idle, room members) before
// the clock starts; streams and churn connect as they go.
func (r *runner) open(ctx context.Context) error {
	echo, _, room, _, idle := r.split()
	r.echoConns = make([]*websocket.Conn, echo)
	r.idleConns = make([]*websocket.Conn, idle)
	r.roomConns = make([]*websocket.Conn, room)
	r.roomOf = make([]int, room)
	sem := make(chan struct{}, max(1, r.cfg.DialParallel))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	dialInto := func(dst []*websocket.Conn, i int, path string, check func(*websocket.Conn) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := r.dial(ctx, path)
			if err == nil {
				if err = check(c); err != nil {
					r.drop(c)
				}
			}
			if err != nil {
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
				return
			}
			dst[i] = c
		}()
	}
	for i := range r.echoConns {
		dialInto(r.echoConns, i, "/echo", func(*websocket.Conn) error { return nil })
	}
	for i := range r.idleConns {
		dialInto(r.idleConns, i, "/echo", func(c *websocket.Conn) error {
			_, err := echoOnce(c, i)
			return err
		})
	}
	for i := range r.roomConns {
		r.roomOf[i] = i % max(1, r.cfg.Rooms)
		dialInto(r.roomConns, i, "/rooms/"+roomName(r.roomOf[i]), func(c *websocket.Conn) error {
			ev, err := wire.ReadEvent(c)
			if err == nil && ev.Action != "join" {
				err = fmt.Errorf("join: first event %+v, want action join", ev)
			}
			return err
		})
	}
	wg.Wait()
	if firstErr != nil {
		for _, cs := range [][]*websocket.Conn{r.echoConns, r.idleConns, r.roomConns} {
			for _, c := range cs {
				if c != nil {
					r.drop(c)
				}
			}
		}
		return fmt.Errorf("soak: open connections: %w", firstErr)
	}
	return nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func roomName(i int) string { return "soak" + strconv.Itoa(i) }

// start runs the traffic until ctx is done.
func (r *runner) start(ctx context.Context) {
	_, stream, _, churn, _ := r.split()
	for i, c := range r.echoConns {
		r.goRun(func() { r.echoLoop(ctx, c, i) })
	}
	for _, c := range r.idleConns {
		r.goRun(func() { r.idleLoop(ctx, c) })
	}
	for _, c := range r.roomConns {
		r.goRun(func() { r.memberLoop(ctx, c) })
	}
	members := make([]int, max(1, r.cfg.Rooms))
	for _, room := range r.roomOf {
		members[room]++
	}
	for room, n := range members {
		if n > 0 {
			r.goRun(func() { r.publishLoop(ctx, room, n) })
		}
	}
	for range stream {
		r.goRun(func() { r.streamLoop(ctx) })
	}
	for i := range churn {
		r.goRun(func() { r.churnLoop(ctx, i) })
	}
}

func (r *runner) goRun(f func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

func (r *runner) wait() { r.wg.Wait() }

// fail records err unless the run is ending (ctx done), when a broken read
// or write is how a loop learns to stop.
func (r *runner) fail(ctx context.Context, err error) {
	if ctx.Err() == nil {
		r.w.fail(err)
	}
}

// pause waits d with a random phase of up to d, or until ctx is done; it
// reports whether the loop should go on.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d/2 + rand.N(d+1))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// echoLoop sends one message every EchoEvery and waits for its echo.
func (r *runner) echoLoop(ctx context.Context, c *websocket.Conn, id int) {
	stop := context.AfterFunc(ctx, func() { endStream(c) })
	defer stop()
	defer r.drop(c)
	for seq := 0; pause(ctx, r.cfg.EchoEvery); seq++ {
		d, err := echoOnce(c, seq)
		if err != nil {
			r.fail(ctx, fmt.Errorf("echo conn %d: %w", id, err))
			return
		}
		r.w.record(kindEcho, d, 1)
	}
}

// idleLoop holds an idle connection: the blocking read answers the server's
// pings, and any data frame is an error.
func (r *runner) idleLoop(ctx context.Context, c *websocket.Conn) {
	stop := context.AfterFunc(ctx, func() { endStream(c) })
	defer stop()
	defer r.drop(c)
	if _, data, err := c.ReadMessage(); err == nil {
		r.fail(ctx, fmt.Errorf("idle connection got a frame %.40q", data))
	} else if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		r.fail(ctx, fmt.Errorf("idle connection: %w", err))
	}
}

// memberLoop reads a room member's events; latency is publish → arrival.
func (r *runner) memberLoop(ctx context.Context, c *websocket.Conn) {
	stop := context.AfterFunc(ctx, func() { endStream(c) })
	defer stop()
	defer r.drop(c)
	for {
		ev, err := wire.ReadEvent(c)
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				r.fail(ctx, fmt.Errorf("room member: %w", err))
			}
			return
		}
		if ev.Action != "message" {
			continue
		}
		_, d, err := wire.ParseStamp(ev.Message)
		if err != nil {
			r.fail(ctx, fmt.Errorf("room member: %w", err))
			continue
		}
		r.w.record(kindBroadcast, d, 1)
	}
}

// publishLoop posts a message to room every PublishEvery and checks that it
// reached the room's members.
func (r *runner) publishLoop(ctx context.Context, room, members int) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for seq := 0; pause(ctx, r.cfg.PublishEvery); seq++ {
		body, _ := json.Marshal(map[string]string{"message": string(wire.Stamp(nil, seq, 64))})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.t.URL+"/rooms/"+roomName(room), strings.NewReader(string(body)))
		if err != nil {
			r.fail(ctx, err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			r.fail(ctx, fmt.Errorf("publish: %w", err))
			continue
		}
		var n int
		err = json.NewDecoder(resp.Body).Decode(&n)
		resp.Body.Close()
		switch {
		case err != nil:
			r.fail(ctx, fmt.Errorf("publish: HTTP %d: %w", resp.StatusCode, err))
		case n != members:
			r.fail(ctx, fmt.Errorf("publish to %s reached %d members, want %d", roomName(room), n, members))
		}
	}
}

// streamLoop subscribes to StreamEvents events, checks them, waits
// StreamEvery and subscribes again; latency is the event's server time →
// arrival.
func (r *runner) streamLoop(ctx context.Context) {
	for pause(ctx, r.cfg.StreamEvery) {
		if err := r.streamOnce(ctx); err != nil {
			r.fail(ctx, fmt.Errorf("stream: %w", err))
		}
	}
}

func (r *runner) streamOnce(ctx context.Context) error {
	n := r.cfg.StreamEvents
	c, err := r.dial(ctx, "/subscribe?count="+strconv.Itoa(n))
	if err != nil {
		return err
	}
	defer r.drop(c)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for i := range n {
		ev, err := wire.ReadEvent(c)
		if err != nil {
			return fmt.Errorf("event %d of %d: %w", i+1, n, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, ev.Timestamp)
		if err != nil || ev.Action != "message" || ev.Message != "event "+strconv.Itoa(i) {
			return fmt.Errorf("event %d of %d: got %+v", i+1, n, ev)
		}
		r.w.record(kindStream, time.Since(ts), 1)
	}
	return wire.ExpectClose(c)
}

// churnLoop connects, echoes one message, ends the stream, waits for the
// close and disconnects, every ChurnEvery; latency is the whole cycle.
func (r *runner) churnLoop(ctx context.Context, id int) {
	for seq := 0; pause(ctx, r.cfg.ChurnEvery); seq++ {
		begin := time.Now()
		if err := r.churnOnce(ctx, seq); err != nil {
			r.fail(ctx, fmt.Errorf("churn worker %d: %w", id, err))
			continue
		}
		r.w.record(kindChurn, time.Since(begin), 1)
	}
}

func (r *runner) churnOnce(ctx context.Context, seq int) error {
	c, err := r.dial(ctx, "/echo")
	if err != nil {
		return err
	}
	defer r.drop(c)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := echoOnce(c, seq); err != nil {
		return err
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("null")); err != nil {
		return fmt.Errorf("send null: %w", err)
	}
	return wire.ExpectClose(c)
}

// percentile returns the p-th percentile (0–100) of d, sorting d in place.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p/100)]
}
