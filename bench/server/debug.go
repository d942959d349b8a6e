package server

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/metrics"
)

// RuntimeStats is what DebugHandler reports about the server process: the
// soak benchmark (duplex.dev/bench/soak) samples it over time.
type RuntimeStats struct {
	// Goroutines is runtime.NumGoroutine.
	Goroutines int `json:"goroutines"`
	// HeapBytes is the memory occupied by live and not yet swept heap
	// objects (/memory/classes/heap/objects:bytes).
	HeapBytes uint64 `json:"heap_bytes"`
	// StackBytes is the memory held by goroutine stacks
	// (/memory/classes/heap/stacks:bytes).
	StackBytes uint64 `json:"stack_bytes"`
	// GCCycles counts completed GC cycles since the process started.
	GCCycles uint64 `json:"gc_cycles"`
	// GCPauses is the cumulative distribution of stop-the-world GC pauses
	// (/sched/pauses/total/gc:seconds): subtract two samples for an interval.
	GCPauses Histogram `json:"gc_pauses"`
}

// Histogram is a cumulative runtime/metrics histogram in JSON-safe form:
// Counts[i] values fell in [Buckets[i], Buckets[i+1]) seconds. The runtime's
// infinite outer bounds are replaced by 0 and by twice the last finite bound.
type Histogram struct {
	Counts  []uint64  `json:"counts"`
	Buckets []float64 `json:"buckets"`
}

var runtimeSamples = []string{
	"/memory/classes/heap/objects:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/pauses/total/gc:seconds",
	"/memory/classes/heap/stacks:bytes",
}

// ReadRuntimeStats reads the process's RuntimeStats.
func ReadRuntimeStats() RuntimeStats {
	s := make([]metrics.Sample, len(runtimeSamples))
	for i, name := range runtimeSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	st := RuntimeStats{Goroutines: runtime.NumGoroutine()}
	if s[0].Value.Kind() == metrics.KindUint64 {
		st.HeapBytes = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		st.GCCycles = s[1].Value.Uint64()
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		st.StackBytes = s[3].Value.Uint64()
	}
	if s[2].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[2].Value.Float64Histogram()
		st.GCPauses.Counts = h.Counts
		st.GCPauses.Buckets = make([]float64, len(h.Buckets))
		for i, b := range h.Buckets {
			switch {
			case math.IsInf(b, -1):
				b = 0
			case math.IsInf(b, 1):
				b = 2 * h.Buckets[max(i-1, 0)]
			}
			st.GCPauses.Buckets[i] = b
		}
	}
	return st
}

// DebugHandler answers GET /debug/pprof/heap with the process's heap
// profile (pprof's handler: ?gc=1 collects garbage first) and every other
// GET with the process's RuntimeStats as JSON. cmd/benchserver serves it on
// -debug-addr, a listener of its own, so that the servers under test see
// none of its requests.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /debug/pprof/heap", pprof.Handler("heap"))
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ReadRuntimeStats())
	})
	return mux
}
