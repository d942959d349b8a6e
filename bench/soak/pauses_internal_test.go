package soak

import (
	"testing"
	"time"

	"duplex.dev/bench/server"
)

// TestPausesOfAnInterval checks that the interval's longest and 99th
// percentile pause come from the difference of two cumulative histograms,
// as bucket upper bounds.
func TestPausesOfAnInterval(t *testing.T) {
	buckets := []float64{0, 0.001, 0.002, 0.004, 0.008}
	tests := []struct {
		name          string
		before, after []uint64
		wantMax       time.Duration
		wantP99       time.Duration
	}{
		{"no pause in the interval", []uint64{5, 1, 0, 0}, []uint64{5, 1, 0, 0}, 0, 0},
		{"one long pause among old short ones", []uint64{90, 0, 0, 0}, []uint64{90, 0, 0, 1}, 8 * time.Millisecond, 8 * time.Millisecond},
		{"99 short pauses and one long", []uint64{0, 0, 0, 0}, []uint64{99, 0, 1, 0}, 4 * time.Millisecond, time.Millisecond},
		{"mismatched histograms", []uint64{0, 0}, []uint64{1, 0, 0, 0}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotMax, gotP99 := pauses(server.Histogram{Counts: tt.before, Buckets: buckets}, server.Histogram{Counts: tt.after, Buckets: buckets})
			if gotMax != tt.wantMax || gotP99 != tt.wantP99 {
				t.Errorf("pauses = max %s, p99 %s; want max %s, p99 %s", gotMax, gotP99, tt.wantMax, tt.wantP99)
			}
		})
	}
}
