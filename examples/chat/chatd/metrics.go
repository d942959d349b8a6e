package chatd

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"duplex.dev/ws"
)

// metricsBuiltIn tells whether /metrics serves Prometheus metrics.
const metricsBuiltIn = true

// newMetrics returns the WebSocket server option that records the
// runtime's metrics in a registry of this server's own, and the handler
// that serves that registry.
func newMetrics() ([]ws.Option, http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := ws.NewMetrics(reg)
	return []ws.Option{ws.WithMetrics(m)}, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
