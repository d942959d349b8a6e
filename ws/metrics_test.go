package ws

import (
	"context"
	"net/http"
	"testing"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics over HTTP and parses it with the Prometheus text
// parser.
func scrape(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include
// want, and whether it exists.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsAreScrapedAndMove(t *testing.T) {
	reg := prometheus.NewRegistry()
	ts := startServer(t, echoHandler, WithMetrics(NewMetrics(reg)))
	ts.mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	good := ts.goodPeer(t)
	stream := map[string]string{"service": "test", "method": "stream"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range stream {
			m[k] = v
		}
		return m
	}

	c := ts.dial(t, "/stream", nil)
	const n = 3
	for range n {
		write(t, c, websocket.MessageText, []byte(`{"hello":"world"}`))
		if _, _, err := c.Read(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	fams := scrape(t, ts)
	if v, _ := value(fams, "duplex_connections_active", stream); v != 1 {
		t.Errorf("connections_active = %v while one stream is open, want 1", v)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	ts.handlerResult(t)

	bad := ts.dial(t, "/stream", nil)
	write(t, bad, websocket.MessageText, []byte(`{not json`))
	readClose(t, bad)
	ts.handlerResult(t)
	good.echoes(t)

	fams = scrape(t, ts)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"duplex_connections_active", stream, 0},
		{"duplex_messages_total", with("direction", "in"), n + 1},
		{"duplex_messages_total", with("direction", "out"), n},
		{"duplex_bytes_total", with("direction", "out"), n * float64(len(`{"hello":"world"}`))},
		{"duplex_close_codes_total", with("code", "1000"), 1},
		{"duplex_close_codes_total", with("code", "1007"), 1},
		{"duplex_send_queue_depth", stream, 0},
		{"duplex_handler_duration_seconds", stream, 2},
		{"duplex_connections_active", map[string]string{"method": "echo"}, 1},
	}
	for _, ck := range checks {
		got, ok := value(fams, ck.name, ck.labels)
		if !ok || got != ck.want {
			t.Errorf("%s%v = %v (present %v), want %v", ck.name, ck.labels, got, ok, ck.want)
		}
	}
}

func TestMetricsCountDropOldestDrops(t *testing.T) {
	reg := prometheus.NewRegistry()
	ts, got := dropOldest(t, WithMetrics(NewMetrics(reg)))
	ts.mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	fams := scrape(t, ts)
	drops, _ := value(fams, "duplex_send_queue_drops_total", map[string]string{"method": "stream"})
	written, _ := value(fams, "duplex_messages_total", map[string]string{"method": "stream", "direction": "out"})
	if int(written) != got || int(drops) != dropOldestTotal-got {
		t.Errorf("metrics: %v written, %v dropped; the client got %d of %d", written, drops, got, dropOldestTotal)
	}
}
