package ws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
	ts := startServer(t, echoHandler, Config{Metrics: NewMetrics(reg)})
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
	ts.waitRelease(t)

	bad := ts.dial(t, "/stream", nil)
	write(t, bad, websocket.MessageText, []byte(`{not json`))
	readClose(t, bad)
	ts.handlerResult(t)
	ts.waitRelease(t)
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
	ts, got := dropOldest(t, Config{Metrics: NewMetrics(reg)})
	ts.mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	fams := scrape(t, ts)
	drops, _ := value(fams, "duplex_send_queue_drops_total", map[string]string{"method": "stream"})
	written, _ := value(fams, "duplex_messages_total", map[string]string{"method": "stream", "direction": "out"})
	if int(written) != got || int(drops) != dropOldestTotal-got {
		t.Errorf("metrics: %v written, %v dropped; the client got %d of %d", written, drops, got, dropOldestTotal)
	}
}

// TestRefusedUpgradesAreLoggedAndCounted: every upgrade request answered
// with an HTTP error (Handle's own 426, 403, 431, 429, and the caller's
// 401 reported with Refused) is logged at debug level, without the query
// string that carries the token, and counted by status.
func TestRefusedUpgradesAreLoggedAndCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	ts := startServer(t, echoHandler, Config{Metrics: NewMetrics(reg), MaxConnectionsPerIP: 2})
	ts.mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	authEP := &Endpoint{Service: "test", Method: "auth"}
	ts.mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		err := ts.ws.Handle(w, r, authEP, func(context.Context, *Conn) error { return errors.New("invalid token") })
		ts.ws.Refused(r, authEP, http.StatusUnauthorized)
		http.Error(w, err.Error(), http.StatusUnauthorized)
	})
	good := ts.goodPeer(t)
	const token = "secret-token-4f9a"
	upgrade := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
	get := func(path string, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path+"?token="+token, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	with := func(extra map[string]string) map[string]string {
		m := maps.Clone(upgrade)
		maps.Copy(m, extra)
		return m
	}
	codes := []int{
		get("/stream", nil),
		get("/stream", with(map[string]string{"Origin": "https://evil.example"})),
		get("/stream", with(map[string]string{"X-Padding": strings.Repeat("a", 20<<10)})),
		get("/auth", upgrade),
	}
	open := ts.dial(t, "/stream", nil) // the second connection from this address
	codes = append(codes, get("/stream", upgrade))
	_ = open.Close(websocket.StatusNormalClosure, "")
	want := []int{http.StatusUpgradeRequired, http.StatusForbidden, http.StatusRequestHeaderFieldsTooLarge, http.StatusUnauthorized, http.StatusTooManyRequests}
	if !slices.Equal(codes, want) {
		t.Fatalf("statuses %v, want %v", codes, want)
	}
	good.echoes(t)

	fams := scrape(t, ts)
	for _, status := range want {
		method := "stream"
		if status == http.StatusUnauthorized {
			method = "auth"
		}
		labels := map[string]string{"service": "test", "method": method, "status": strconv.Itoa(status)}
		if v, _ := value(fams, "duplex_upgrades_refused_total", labels); v != 1 {
			t.Errorf("duplex_upgrades_refused_total%v = %v, want 1", labels, v)
		}
		logged := slices.ContainsFunc(strings.Split(ts.logs.String(), "\n"), func(line string) bool {
			return strings.Contains(line, `msg="websocket upgrade refused"`) && strings.Contains(line, fmt.Sprintf(" status=%d ", status))
		})
		if !logged {
			t.Errorf("no debug log of the %d refusal:\n%s", status, ts.logs.String())
		}
	}
	if strings.Contains(ts.logs.String(), token) {
		t.Errorf("the logs quote the token:\n%s", ts.logs.String())
	}
}

// TestCloseCodeLabelsAreBounded: a close code the client chooses is a
// label only when the runtime knows it; others count under their range,
// and no series has an empty label.
func TestCloseCodeLabelsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	ts := startServer(t, echoHandler, Config{Metrics: NewMetrics(reg)})
	ts.mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ts.mux.HandleFunc("/unnamed", func(w http.ResponseWriter, r *http.Request) {
		_ = ts.ws.Handle(w, r, nil, echoHandler)
	})
	for _, code := range []StatusCode{4321, 4322, 3333, 4999, StatusSlowConsumer, StatusGoingAway} {
		c := dialRaw(t, ts, "/stream")
		c.closeFrame(t, code, nil)
		if _, got, _ := c.next(t); got != code {
			t.Fatalf("close %d answered with %d", int(code), int(got))
		}
		_ = ts.handlerResult(t)
	}
	c := dialRaw(t, ts, "/unnamed")
	c.closeFrame(t, StatusNormalClosure, nil)
	c.next(t)

	// A close is counted as its connection ends, which may come just after
	// the handler's result: scrape until the counts settle (bounded).
	stream := map[string]string{"service": "test", "method": "stream"}
	wantCodes := map[string]float64{"4000-4499": 2, "3000-3999": 1, "4500-4999": 1, "4000": 1, "1001": 1, "4321": 0}
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		fams = scrape(t, ts)
		var bad []string
		for code, want := range wantCodes {
			labels := maps.Clone(stream)
			labels["code"] = code
			if got, _ := value(fams, "duplex_close_codes_total", labels); got != want {
				bad = append(bad, fmt.Sprintf("duplex_close_codes_total%v = %v, want %v", labels, got, want))
			}
		}
		if len(bad) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(strings.Join(bad, "; "))
		}
	}
	settle := time.Now().Add(5 * time.Second)
	for {
		fams = scrape(t, ts)
		if v, _ := value(fams, "duplex_close_codes_total", map[string]string{"service": "unknown", "method": "unknown", "code": "1000"}); v == 1 || time.Now().After(settle) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling a counter: the handler ends after the close handshake
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == "" {
					t.Errorf("%s has a series with an empty %s label", name, l.GetName())
				}
			}
		}
	}
	if v, _ := value(fams, "duplex_close_codes_total", map[string]string{"service": "unknown", "method": "unknown", "code": "1000"}); v != 1 {
		t.Errorf("the unnamed endpoint's close is not counted under service and method \"unknown\"")
	}
}
