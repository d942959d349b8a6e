package mux

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts a Server's multiplexed connections and their streams;
// each stream is also counted in its method's duplex_* series (ws.Metrics).
type Metrics struct {
	conns   prometheus.Gauge
	streams prometheus.Histogram
}

// NewMetrics registers duplex_mux_connections_active (the connections
// open) and duplex_mux_streams (the most streams a connection had open at
// once, observed as it ends) with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "duplex_mux_connections_active", Help: "Multiplexed connections open.",
		}),
		streams: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "duplex_mux_streams", Help: "The most streams a multiplexed connection had open at once, observed as it ends.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
	}
	reg.MustRegister(m.conns, m.streams)
	return m
}

func (m *Metrics) opened() {
	if m != nil {
		m.conns.Inc()
	}
}

func (m *Metrics) closed(most int) {
	if m != nil {
		m.conns.Dec()
		m.streams.Observe(float64(most))
	}
}
