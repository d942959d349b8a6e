package mux_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"duplex.dev/mux"
	"duplex.dev/transport"
)

// TestMetricsCountConnectionsAndStreams: duplex_mux_connections_active
// counts the open connection, and duplex_mux_streams the most streams it
// had open at once, observed as it ends.
func TestMetricsCountConnectionsAndStreams(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newAPI(t, apiOption{muxOptions: []mux.Option{mux.WithMetrics(mux.NewMetrics(reg))}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := a.dialer(t, false)
	var open []*transport.ClientStream[*note, string]
	for range 3 {
		s, err := dialEcho(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, s)
	}
	if active, _, _ := gather(t, reg); active != 1 {
		t.Errorf("duplex_mux_connections_active = %v with one connection, want 1", active)
	}
	for _, s := range open {
		s.Close()
	}
	d.Doer.Transport.(*mux.Client).Close()
	for { // the server counts the end once its handler saw the close
		active, count, sum := gather(t, reg)
		if count == 1 {
			if sum != 3 || active != 0 {
				t.Errorf("after the connection: duplex_mux_streams observed %v, connections active %v; want 3 and 0", sum, active)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the connection's end was not observed")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// gather returns duplex_mux_connections_active and duplex_mux_streams's
// count and sum.
func gather(t *testing.T, reg *prometheus.Registry) (active float64, count uint64, sum float64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		switch mf.GetName() {
		case "duplex_mux_connections_active":
			active = m.GetGauge().GetValue()
		case "duplex_mux_streams":
			count, sum = m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
		}
	}
	return active, count, sum
}
