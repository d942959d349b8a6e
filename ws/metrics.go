package ws

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the Prometheus collectors of the runtime; create it with
// NewMetrics and pass it with WithMetrics. Every series is labelled with
// the endpoint's service and method.
type Metrics struct {
	active   *prometheus.GaugeVec
	messages *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	closes   *prometheus.CounterVec
	depth    *prometheus.GaugeVec
	drops    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics creates the runtime's collectors and registers them with reg
// (prometheus.DefaultRegisterer when nil); collectors already registered
// there, by another Server for example, are shared. The series are:
//
//	duplex_connections_active{service,method}             open connections
//	duplex_messages_total{service,method,direction}       frames in and out
//	duplex_bytes_total{service,method,direction}          payload bytes in and out
//	duplex_close_codes_total{service,method,code}         connections closed, by close code
//	duplex_send_queue_depth{service,method}               frames waiting for writers
//	duplex_send_queue_drops_total{service,method}         frames dropped by DropOldest
//	duplex_handler_duration_seconds{service,method}       how long stream handlers ran
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	ep := []string{"service", "method"}
	dir := []string{"service", "method", "direction"}
	return &Metrics{
		active: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duplex_connections_active", Help: "Open WebSocket connections.",
		}, ep)),
		messages: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duplex_messages_total", Help: "WebSocket messages received (in) and sent (out).",
		}, dir)),
		bytes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duplex_bytes_total", Help: "WebSocket message payload bytes received (in) and sent (out).",
		}, dir)),
		closes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duplex_close_codes_total", Help: "WebSocket connections closed, by close code (1006: dropped without a close frame).",
		}, []string{"service", "method", "code"})),
		depth: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duplex_send_queue_depth", Help: "Frames waiting in send queues.",
		}, ep)),
		drops: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duplex_send_queue_drops_total", Help: "Frames dropped from full send queues under the DropOldest policy.",
		}, ep)),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duplex_handler_duration_seconds",
			Help:    "How long stream handlers ran.",
			Buckets: []float64{.01, .1, 1, 10, 60, 600, 3600},
		}, ep)),
	}
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("ws: register metrics: " + err.Error())
	}
	return c
}

// endpointMetrics are the collectors of one endpoint with their labels
// bound once, so that the per-message path does no label lookup. A nil
// *endpointMetrics records nothing.
type endpointMetrics struct {
	m                *Metrics
	service, method  string
	active, depth    prometheus.Gauge
	inMsgs, outMsgs  prometheus.Counter
	inBytes, outByte prometheus.Counter
	drops            prometheus.Counter
	duration         prometheus.Observer
}

func (m *Metrics) forEndpoint(service, method string) *endpointMetrics {
	if m == nil {
		return nil
	}
	return &endpointMetrics{
		m:        m,
		service:  service,
		method:   method,
		active:   m.active.WithLabelValues(service, method),
		depth:    m.depth.WithLabelValues(service, method),
		inMsgs:   m.messages.WithLabelValues(service, method, "in"),
		outMsgs:  m.messages.WithLabelValues(service, method, "out"),
		inBytes:  m.bytes.WithLabelValues(service, method, "in"),
		outByte:  m.bytes.WithLabelValues(service, method, "out"),
		drops:    m.drops.WithLabelValues(service, method),
		duration: m.duration.WithLabelValues(service, method),
	}
}

func (e *endpointMetrics) connected() {
	if e != nil {
		e.active.Inc()
	}
}

func (e *endpointMetrics) disconnected() {
	if e != nil {
		e.active.Dec()
	}
}

func (e *endpointMetrics) closed(code StatusCode) {
	if e != nil {
		e.m.closes.WithLabelValues(e.service, e.method, strconv.Itoa(int(code))).Inc()
	}
}

func (e *endpointMetrics) in(n int) {
	if e != nil {
		e.inMsgs.Inc()
		e.inBytes.Add(float64(n))
	}
}

func (e *endpointMetrics) out(n int) {
	if e != nil {
		e.outMsgs.Inc()
		e.outByte.Add(float64(n))
	}
}

func (e *endpointMetrics) queued(delta int) {
	if e != nil && delta != 0 {
		e.depth.Add(float64(delta))
	}
}

func (e *endpointMetrics) dropped() {
	if e != nil {
		e.drops.Inc()
	}
}

func (e *endpointMetrics) handled(d time.Duration) {
	if e != nil {
		e.duration.Observe(d.Seconds())
	}
}
