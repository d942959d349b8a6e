package chatd

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"duplex.dev/ws"
)

// newMetrics returns the WebSocket server metrics that record the
// runtime's metrics in a registry of this server's own, and the handler
// that serves that registry. chatd_ready is 1 while ready returns nil
// (the broker's connection is up: see /readyz), else 0.
func newMetrics(ready func() error) (*ws.Metrics, http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chatd_ready",
		Help: "1 when chatd is ready to serve (its broker, NATS with -nats or -data, is connected and restored), 0 otherwise; /readyz answers 200 or 503 alike.",
	}, func() float64 {
		if ready() != nil {
			return 0
		}
		return 1
	}))
	return ws.NewMetrics(reg), promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
