package ws_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"duplex.dev/ws"
)

// Bounds of TestChurnNoLeak. After the churn, the server must be back to
// the level it had after the warm-up: at most churnGoroutineSlack more
// goroutines (timers and the HTTP server's idle bookkeeping settle
// asynchronously; a leak of one goroutine per connection would be
// thousands) and at most churnHeapSlack more live heap after runtime.GC
// (a leak of even 1 KiB per connection would be 10 MB).
const (
	churnWarmUp         = 200
	churnConcurrency    = 50
	churnGoroutineSlack = 10
	churnHeapSlack      = 4 << 20
	churnSettleTimeout  = 20 * time.Second
)

// churnHandler echoes every frame until the peer goes away.
func churnHandler(ctx context.Context, c *ws.Conn) error {
	for {
		var m map[string]any
		if err := c.Receive(ctx, &m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := c.Send(ctx, m); err != nil {
			return err
		}
	}
}

// gauges returns the sum, over every label set, of each gauge in names.
func gauges(t *testing.T, reg *prometheus.Registry, names ...string) map[string]float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	sums := make(map[string]float64, len(names))
	for _, name := range names {
		sums[name] = 0
	}
	for _, fam := range fams {
		if _, ok := sums[fam.GetName()]; !ok {
			continue
		}
		for _, m := range fam.GetMetric() {
			switch {
			case m.GetGauge() != nil:
				sums[fam.GetName()] += m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				sums[fam.GetName()] += m.GetCounter().GetValue()
			}
		}
	}
	return sums
}

// liveHeap returns the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// settle polls cond until it holds or churnSettleTimeout passes.
func settle(cond func() bool) bool {
	deadline := time.Now().Add(churnSettleTimeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond) // polling a count: nothing to await
	}
}

// churn runs n connect / send / close cycles against url, churnConcurrency
// at a time: every cycle sends one frame; even cycles wait for the echo
// first, odd ones do not, and all but every tenth drop the TCP connection
// without a close handshake. It returns the number of failed cycles and
// the first failure.
func churn(url string, n int) (int64, error) {
	var failed atomic.Int64
	var first atomic.Value
	fail := func(err error) {
		failed.Add(1)
		first.CompareAndSwap(nil, err)
	}
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range churnConcurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if err := cycle(url, i); err != nil {
					fail(fmt.Errorf("cycle %d: %w", i, err))
				}
			}
		})
	}
	wg.Wait()
	err, _ := first.Load().(error)
	return failed.Load(), err
}

func cycle(url string, i int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer c.CloseNow()
	msg := fmt.Sprintf(`{"cycle":%d,"text":"churn"}`, i)
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if i%2 == 0 {
		_, got, err := c.Read(ctx)
		if err != nil {
			return fmt.Errorf("read the echo: %w", err)
		}
		if !strings.Contains(string(got), fmt.Sprintf(`"cycle":%d`, i)) {
			return fmt.Errorf("echo %q of %q", got, msg)
		}
	}
	if i%10 == 0 {
		return c.Close(websocket.StatusNormalClosure, "")
	}
	return nil // CloseNow: the peer vanishes
}

// churnCycles is the number of connect / send / abrupt-close cycles of
// TestChurnNoLeak: the 10,000 issue 10 asks for, also under -race (about
// 40 s there on two cores).
const churnCycles = 10000

// TestChurnNoLeak runs churnCycles connect / send / abrupt-close cycles
// from churnConcurrency goroutines against one real server, then checks
// that the server holds nothing: no registered connection, gauges back to
// zero, goroutines and live heap back to their level after a warm-up
// within the bounds above. The figures are logged (go test -v).
func TestChurnNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("churn: skipped with -short")
	}
	reg := prometheus.NewRegistry()
	srv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler), Metrics: ws.NewMetrics(reg)})
	ep := &ws.Endpoint{Service: "churn", Method: "echo"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := srv.Handle(w, r, ep, churnHandler); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")

	// Warm up pools, timers and the HTTP server before measuring.
	if failed, err := churn(url, churnWarmUp); failed != 0 {
		t.Fatalf("warm-up: %d cycles failed, first: %v", failed, err)
	}
	if !settle(func() bool { return srv.Len() == 0 }) {
		t.Fatalf("after the warm-up the server still has %d connections", srv.Len())
	}
	baseGoroutines := runtime.NumGoroutine()
	baseHeap := liveHeap()

	start := time.Now()
	failed, err := churn(url, churnCycles)
	elapsed := time.Since(start)
	if failed != 0 {
		t.Fatalf("%d of %d cycles failed, first: %v", failed, churnCycles, err)
	}

	if !settle(func() bool { return srv.Len() == 0 }) {
		t.Errorf("Server.Len() = %d after the churn, want 0", srv.Len())
	}
	var goroutines int
	if !settle(func() bool {
		goroutines = runtime.NumGoroutine()
		return goroutines <= baseGoroutines+churnGoroutineSlack
	}) {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines after the churn, %d before (bound +%d); some stacks:\n%s", goroutines, baseGoroutines, churnGoroutineSlack, buf)
	}
	var heap uint64
	if !settle(func() bool {
		heap = liveHeap()
		return heap <= baseHeap+churnHeapSlack
	}) {
		t.Errorf("live heap %d B after the churn, %d B before (bound +%d B)", heap, baseHeap, churnHeapSlack)
	}
	var g map[string]float64
	if !settle(func() bool {
		g = gauges(t, reg, "duplex_connections_active", "duplex_send_queue_depth")
		return g["duplex_connections_active"] == 0 && g["duplex_send_queue_depth"] == 0
	}) {
		t.Errorf("gauges after the churn: %v, want every one 0", g)
	}
	closes := gauges(t, reg, "duplex_close_codes_total")["duplex_close_codes_total"]
	if want := float64(churnWarmUp + churnCycles); closes != want {
		t.Errorf("duplex_close_codes_total = %v, want %v: every connection counted once", closes, want)
	}
	t.Logf("%d cycles in %v (%d at a time); goroutines %d → %d (bound +%d); live heap %d KiB → %d KiB (bound +%d KiB); gauges %v",
		churnCycles, elapsed.Round(time.Millisecond), churnConcurrency, baseGoroutines, goroutines, churnGoroutineSlack,
		baseHeap>>10, heap>>10, churnHeapSlack>>10, g)
}
