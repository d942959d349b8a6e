package ws

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the Prometheus collectors of the runtime; create it with
// NewMetrics and set it as Config.Metrics. Every series is labelled with
// the endpoint's service and method.
type Metrics struct {
	active   *prometheus.GaugeVec
	messages *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	closes   *prometheus.CounterVec
	depth    *prometheus.GaugeVec
	drops    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refused  *prometheus.CounterVec
	requests *prometheus.CounterVec
	reqTime  *prometheus.HistogramVec
}

// NewMetrics creates the runtime's collectors and registers them with reg
// (prometheus.DefaultRegisterer when nil); collectors already registered
// there, by another Server for example, are shared. The series are:
//
//	duplex_connections_active{service,method}             open streams (WebSockets and event streams)
//	duplex_messages_total{service,method,direction}       messages in and out
//	duplex_bytes_total{service,method,direction}          payload bytes in and out
//	duplex_close_codes_total{service,method,code}         streams ended, by close code
//	duplex_send_queue_depth{service,method}               frames waiting for writers
//	duplex_send_queue_drops_total{service,method}         frames dropped by DropOldest
//	duplex_handler_duration_seconds{service,method}       how long stream handlers ran
//	duplex_upgrades_refused_total{service,method,status}  upgrade requests answered with an HTTP error
//	duplex_http_requests_total{service,method,status}     unary requests, by HTTP status
//	duplex_http_request_duration_seconds{service,method}  how long unary requests took
//
// A close code the runtime does not know (a client chooses the code of
// its close frame) is counted under its range, "3000-3999", "4000-4499"
// or "4500-4999", or "other", so that clients cannot mint series; an
// endpoint without a service or method name is labelled "unknown".
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	return &Metrics{
		active:   gauge(reg, "duplex_connections_active", "Open streams: WebSocket connections and Server-Sent Events responses.", "service", "method"),
		messages: counter(reg, "duplex_messages_total", "Messages received (in) and sent (out), on WebSockets and event streams.", "service", "method", "direction"),
		bytes:    counter(reg, "duplex_bytes_total", "Message payload bytes received (in) and sent (out), on WebSockets and event streams.", "service", "method", "direction"),
		closes:   counter(reg, "duplex_close_codes_total", "Streams ended, by close code (an event stream's is the one its end event carries; 1006: a WebSocket dropped without a close frame).", "service", "method", "code"),
		depth:    gauge(reg, "duplex_send_queue_depth", "Frames waiting in send queues.", "service", "method"),
		drops:    counter(reg, "duplex_send_queue_drops_total", "Frames dropped from full send queues under the DropOldest policy.", "service", "method"),
		duration: histogram(reg, "duplex_handler_duration_seconds", "How long stream handlers ran.", []float64{.01, .1, 1, 10, 60, 600, 3600}),
		refused:  counter(reg, "duplex_upgrades_refused_total", "WebSocket upgrade requests answered with an HTTP error instead, by status.", "service", "method", "status"),
		requests: counter(reg, "duplex_http_requests_total", "Unary HTTP requests, by response status.", "service", "method", "status"),
		reqTime:  histogram(reg, "duplex_http_request_duration_seconds", "How long unary HTTP requests took.", prometheus.DefBuckets),
	}
}

// gauge, counter and histogram register a collector of the runtime (see
// register); histograms are labelled with service and method.
func gauge(reg prometheus.Registerer, name, help string, labels ...string) *prometheus.GaugeVec {
	return register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels))
}

func counter(reg prometheus.Registerer, name, help string, labels ...string) *prometheus.CounterVec {
	return register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels))
}

func histogram(reg prometheus.Registerer, name, help string, buckets []float64) *prometheus.HistogramVec {
	return register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, []string{"service", "method"}))
}

// HTTPHandler returns h, the handler of a unary (non-streaming) method,
// with its requests counted in duplex_http_requests_total by response
// status and timed in duplex_http_request_duration_seconds, labelled with
// service and method; a nil *Metrics returns h. Generated servers wrap
// their unary methods with it (transport.Measure).
func (m *Metrics) HTTPHandler(service, method string, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	service, method = nameLabel(service), nameLabel(method)
	took := m.reqTime.WithLabelValues(service, method)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			// A handler that panics gets no answer from net/http: count
			// it as a 500, then let the panic go on.
			status, v := sw.status, recover()
			switch {
			case v != nil:
				status = http.StatusInternalServerError
			case status == 0:
				status = http.StatusOK
			}
			m.requests.WithLabelValues(service, method, strconv.Itoa(status)).Inc()
			took.Observe(time.Since(start).Seconds())
			if v != nil {
				panic(v)
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
	service, method = nameLabel(service), nameLabel(method)
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
		e.m.closes.WithLabelValues(e.service, e.method, codeLabel(code)).Inc()
	}
}

func (e *endpointMetrics) refusedUpgrade(status int) {
	if e != nil {
		e.m.refused.WithLabelValues(e.service, e.method, strconv.Itoa(status)).Inc()
	}
}

// nameLabel is the label of a service or method name: never empty.
func nameLabel(name string) string {
	if name == "" {
		return "unknown"
	}
	return name
}

// codeLabel is the close-code label of code: the code itself when the
// runtime knows it (RFC 6455's 1000–1015 and its own), else its range.
func codeLabel(code StatusCode) string {
	switch {
	case code >= 1000 && code <= 1015, code.String() != strconv.Itoa(int(code)):
		return strconv.Itoa(int(code))
	case code >= 3000 && code < 4000:
		return "3000-3999"
	case code >= 4000 && code < 4500:
		return "4000-4499"
	case code >= 4500 && code < 5000:
		return "4500-4999"
	}
	return "other"
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
