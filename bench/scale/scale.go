// Package scale holds many idle WebSocket connections open against one
// benchmark server and measures what they cost it (issue 20's scale run):
// the time to open them all, the server's resident memory per connection,
// the CPU its heartbeats take over a window, and whether every connection
// still answers an echo at the end.
package scale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/sync/errgroup"

	"duplex.dev/bench/load"
	"duplex.dev/bench/server"
)

// Config sizes one scale run against one server.
type Config struct {
	// Conns idle /echo connections are opened, each echoing one message.
	Conns int
	// Sources is the number of loopback source addresses the connections
	// are spread over, so that no address runs out of ephemeral ports; 0
	// picks one per 10,000 connections. FirstSource is the last byte of
	// the first (127.0.0.FirstSource; 0 means 2): a run against a second
	// server starts past the first one's, whose ports linger in TIME_WAIT.
	Sources, FirstSource int
	// Hold is the window, once every connection is open and idle, over
	// which the server's CPU is read: its heartbeats' cost (the default
	// interval is 25 s, so a window of 60 s holds two beats per connection).
	Hold time.Duration
	// DialParallel bounds concurrent handshakes.
	DialParallel int
	// ProfileDir, when set, receives the server's heap profile once every
	// connection is open (KIND-heap.pprof; it needs the server's debug address).
	ProfileDir string
}

// Result is one server's scale run.
type Result struct {
	Kind  string
	Conns int
	// Connect is the time from the first dial until every connection had
	// been upgraded and had echoed one message.
	Connect time.Duration
	// RSSBefore and RSSAfter are the server's resident memory after a
	// garbage collection, before the first dial and with every connection
	// open.
	RSSBefore, RSSAfter int64
	// HeapBefore/After, StackBefore/After and Goroutines come from the
	// server's debug address (0 without one).
	HeapBefore, HeapAfter, StackBefore, StackAfter uint64
	Goroutines                                     int
	// RSSHeld and StackHeld are the server's resident memory and stacks
	// after a garbage collection at the end of Hold: after the heartbeats.
	RSSHeld   int64
	StackHeld uint64
	// HoldCPU is the server's CPU time (utime + stime) over Hold with
	// every connection idle.
	Hold, HoldCPU time.Duration
	// Dropped counts connections the server closed before the end.
	Dropped int
	// Answered counts connections that echoed the last message.
	Answered int
	// AnswerTime is how long the last echoes took, all connections at once.
	AnswerTime time.Duration
}

// RSSPerConn is the server's resident memory per open connection.
func (r *Result) RSSPerConn() float64 {
	return float64(r.RSSAfter-r.RSSBefore) / float64(r.Conns)
}

// CPUPercent is HoldCPU as a share of one core over Hold.
func (r *Result) CPUPercent() float64 {
	if r.Hold <= 0 {
		return 0
	}
	return 100 * r.HoldCPU.Seconds() / r.Hold.Seconds()
}

// SourcesFor returns the loopback source addresses for conns
// connections, from 127.0.0.first (2 when first is 0).
func SourcesFor(conns, sources, first int) []net.IP {
	if sources <= 0 {
		sources = conns/10000 + 1
	}
	if first <= 0 {
		first = 2
	}
	ips := make([]net.IP, sources)
	for i := range ips {
		ips[i] = net.IPv4(127, byte((first+i)>>8), 0, byte(first+i))
	}
	return ips
}

// RaiseFileLimit raises this process's soft limit on open files to its
// hard limit (children inherit it) and returns the limit now in force.
func RaiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise RLIMIT_NOFILE to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}

// fdMargin is what a process needs besides the connections: standard
// streams, listeners, the Go runtime's descriptors, the debug listener.
const fdMargin = 64

// CheckLimits returns an error naming the first machine limit that stops
// conns connections from sources loopback addresses: open files per
// process (both the load client and the server hold one per connection),
// ephemeral ports per source address, and the connection tracking table
// when the kernel has one.
func CheckLimits(conns, sources int, files uint64) error {
	if need := uint64(conns + fdMargin); need > files {
		return fmt.Errorf("open files: RLIMIT_NOFILE is %d per process (hard limit; raising it needs CAP_SYS_RESOURCE), %d connections need %d in the client and in the server: at most %d connections here",
			files, conns, need, files-fdMargin)
	}
	if lo, hi, err := portRange(); err == nil {
		if per := hi - lo + 1; per*sources < conns {
			return fmt.Errorf("ephemeral ports: %d per source address (net.ipv4.ip_local_port_range %d %d), %d addresses give %d, fewer than %d connections: raise -sources",
				per, lo, hi, sources, per*sources, conns)
		}
	}
	if b, err := os.ReadFile("/proc/sys/net/netfilter/nf_conntrack_max"); err == nil {
		if max, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && max < conns {
			return fmt.Errorf("conntrack: net.netfilter.nf_conntrack_max is %d, fewer than %d connections", max, conns)
		}
	}
	return nil
}

func portRange() (lo, hi int, err error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, errors.New("malformed ip_local_port_range")
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	return lo, hi, errors.Join(err1, err2)
}

// client is one idle connection: its reader answers the server's pings
// and counts the echoes.
type client struct {
	c    *websocket.Conn
	seen atomic.Int32 // echoes received
}

// Run opens cfg.Conns connections to t's /echo, holds them idle for
// cfg.Hold and checks that each still echoes; debugURL is the server's
// debug address ("" for none). Every phase ends with ctx.
func Run(ctx context.Context, cfg Config, t load.Target, debugURL string, progress io.Writer) (res *Result, err error) {
	if progress == nil {
		progress = io.Discard
	}
	res = &Result{Kind: t.Name, Conns: cfg.Conns, Hold: cfg.Hold}
	if err := gc(t); err != nil {
		return nil, err
	}
	if res.RSSBefore, err = load.RSS(t.PID); err != nil {
		return nil, err
	}
	before, err := stats(ctx, debugURL)
	if err != nil {
		return nil, err
	}
	res.HeapBefore, res.StackBefore = before.HeapBytes, before.StackBytes

	url := "ws" + strings.TrimPrefix(t.URL, "http") + "/echo"
	sources := SourcesFor(cfg.Conns, cfg.Sources, cfg.FirstSource)
	dialers := make([]*websocket.Dialer, len(sources))
	for i, ip := range sources {
		nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
		dialers[i] = &websocket.Dialer{
			NetDialContext:   nd.DialContext,
			HandshakeTimeout: 30 * time.Second,
			ReadBufferSize:   512,
			WriteBufferSize:  512,
		}
	}
	clients := make([]*client, cfg.Conns)
	var (
		dropped    atomic.Int64
		echoed     atomic.Int64 // echoes received over all connections
		progressMu sync.Mutex
		target     atomic.Int64 // echoed value that closes reached
		reached    = make(chan struct{}, 1)
	)
	notify := func(n int64) {
		if n == target.Load() {
			select {
			case reached <- struct{}{}:
			default:
			}
		}
	}
	var readers sync.WaitGroup
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.c.Close()
			}
		}
		readers.Wait()
	}()
	stop := context.AfterFunc(ctx, func() {
		for _, c := range clients {
			if c != nil {
				c.c.Close()
			}
		}
	})
	defer stop()

	target.Store(int64(cfg.Conns))
	fmt.Fprintf(progress, "scale %s: opening %d connections from %d source addresses\n", t.Name, cfg.Conns, len(sources))
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.DialParallel)
	var opened atomic.Int64
	for i := range cfg.Conns {
		g.Go(func() error {
			c, _, err := dialers[i%len(dialers)].DialContext(gctx, url, nil)
			if err != nil {
				return fmt.Errorf("connection %d of %d (from %s): %w", i+1, cfg.Conns, sources[i%len(sources)], err)
			}
			cl := &client{c: c}
			clients[i] = cl
			// gorilla answers pings within 1 s or drops the pong; with
			// tens of thousands of connections on a busy machine, allow 10.
			c.SetPingHandler(func(data string) error {
				err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
				if err == websocket.ErrCloseSent {
					return nil
				}
				return err
			})
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					_, data, err := c.ReadMessage()
					if err != nil {
						if cl.seen.Load() < 2 && ctx.Err() == nil {
							dropped.Add(1)
						}
						return
					}
					want := "hello " + strconv.Itoa(i)
					if cl.seen.Load() == 1 {
						want = "end " + strconv.Itoa(i)
					}
					var m struct{ Message string }
					if json.Unmarshal(data, &m) != nil || m.Message != want {
						dropped.Add(1)
						c.Close()
						return
					}
					cl.seen.Add(1)
					notify(echoed.Add(1))
				}
			}()
			if err := c.WriteMessage(websocket.TextMessage, []byte(`{"message":"hello `+strconv.Itoa(i)+`"}`)); err != nil {
				return fmt.Errorf("connection %d of %d: send: %w", i+1, cfg.Conns, err)
			}
			if n := opened.Add(1); n%10000 == 0 {
				progressMu.Lock()
				fmt.Fprintf(progress, "scale %s: %d open after %s\n", t.Name, n, time.Since(start).Round(time.Millisecond))
				progressMu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, reached, &echoed, int64(cfg.Conns), &dropped); err != nil {
		return nil, fmt.Errorf("first echoes: %w", err)
	}
	res.Connect = time.Since(start)
	fmt.Fprintf(progress, "scale %s: %d connections open and echoed once in %s\n", t.Name, cfg.Conns, res.Connect.Round(time.Millisecond))

	if err := gc(t); err != nil {
		return nil, err
	}
	if res.RSSAfter, err = load.RSS(t.PID); err != nil {
		return nil, err
	}
	after, err := stats(ctx, debugURL)
	if err != nil {
		return nil, err
	}
	res.HeapAfter, res.StackAfter, res.Goroutines = after.HeapBytes, after.StackBytes, after.Goroutines
	if cfg.ProfileDir != "" && debugURL != "" {
		if err := heapProfile(ctx, debugURL, cfg.ProfileDir+"/"+t.Name+"-heap.pprof"); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(progress, "scale %s: RSS %.1f MB (%.1f KB per connection); holding them idle for %s\n",
		t.Name, float64(res.RSSAfter)/1e6, res.RSSPerConn()/1024, cfg.Hold)

	cpu0, err := load.CPUTime(t.PID)
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(cfg.Hold)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
		return nil, fmt.Errorf("hold: %w", ctx.Err())
	}
	cpu1, err := load.CPUTime(t.PID)
	if err != nil {
		return nil, err
	}
	res.HoldCPU = cpu1 - cpu0
	res.Dropped = int(dropped.Load())
	if err := gc(t); err != nil {
		return nil, err
	}
	if res.RSSHeld, err = load.RSS(t.PID); err != nil {
		return nil, err
	}
	held, err := stats(ctx, debugURL)
	if err != nil {
		return nil, err
	}
	res.StackHeld = held.StackBytes
	if cfg.ProfileDir != "" && debugURL != "" {
		if err := heapProfile(ctx, debugURL, cfg.ProfileDir+"/"+t.Name+"-heap-held.pprof"); err != nil {
			return nil, err
		}
	}

	// Every connection echoes once more, all at once.
	target.Store(2 * int64(cfg.Conns))
	endStart := time.Now()
	var ends errgroup.Group
	ends.SetLimit(cfg.DialParallel)
	for i, cl := range clients {
		ends.Go(func() error {
			cl.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			// A failed write shows as a connection that did not answer.
			_ = cl.c.WriteMessage(websocket.TextMessage, []byte(`{"message":"end `+strconv.Itoa(i)+`"}`))
			return nil
		})
	}
	ends.Wait()
	notify(echoed.Load())
	waitErr := waitFor(ctx, reached, &echoed, 2*int64(cfg.Conns), &dropped)
	res.AnswerTime = time.Since(endStart)
	for _, cl := range clients {
		if cl.seen.Load() == 2 {
			res.Answered++
		}
	}
	res.Dropped = int(dropped.Load())
	if waitErr != nil {
		return res, fmt.Errorf("last echoes: %d of %d answered: %w", res.Answered, cfg.Conns, waitErr)
	}
	return res, nil
}

// answerTimeout bounds the wait for a round of echoes once no connection
// has been lost: past it, the connections that did not answer are reported.
const answerTimeout = 60 * time.Second

// waitFor waits until counter reaches want (reached is signalled then),
// every missing echo belongs to a dropped connection, or answerTimeout.
func waitFor(ctx context.Context, reached <-chan struct{}, counter *atomic.Int64, want int64, dropped *atomic.Int64) error {
	timer := time.NewTimer(answerTimeout)
	defer timer.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if counter.Load() >= want {
			return nil
		}
		select {
		case <-reached:
		case <-tick.C:
			if counter.Load()+dropped.Load() >= want {
				return fmt.Errorf("%d connections dropped", dropped.Load())
			}
		case <-timer.C:
			return fmt.Errorf("%d of %d echoes after %s (%d connections dropped)", counter.Load(), want, answerTimeout, dropped.Load())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func gc(t load.Target) error {
	if t.GC == nil {
		return nil
	}
	return t.GC()
}

func stats(ctx context.Context, debugURL string) (server.RuntimeStats, error) {
	var st server.RuntimeStats
	if debugURL == "" {
		return st, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debugURL+"/", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("server stats: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("server stats: %w", err)
	}
	return st, nil
}

func heapProfile(ctx context.Context, debugURL, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debugURL+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// Markdown writes the results as a table.
func Markdown(w io.Writer, results []*Result) {
	fmt.Fprintln(w, "| server | connections | open + one echo | server RSS | RSS per conn | heap per conn | stacks per conn | goroutines | CPU while idle (% of one core) | RSS per conn after the idle window | stacks per conn after it | answering at the end |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range results {
		per := func(a, b uint64) string {
			if a == 0 && b == 0 {
				return "–"
			}
			return fmt.Sprintf("%.1f KB", (float64(a)-float64(b))/float64(r.Conns)/1024)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.0f MB | %.1f KB | %s | %s | %d | %.2f %% over %s | %.1f KB | %s | %d of %d |\n",
			r.Kind, r.Conns, r.Connect.Round(10*time.Millisecond), float64(r.RSSAfter)/1e6, r.RSSPerConn()/1024,
			per(r.HeapAfter, r.HeapBefore), per(r.StackAfter, r.StackBefore), r.Goroutines,
			r.CPUPercent(), r.Hold, float64(r.RSSHeld-r.RSSBefore)/float64(r.Conns)/1024, per(r.StackHeld, r.StackBefore), r.Answered, r.Conns)
	}
}
