package transport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"duplex.dev/transport"
	"duplex.dev/ws"
)

// TestUnaryRequestsAreMeasured: a unary method wrapped with Measure, as
// generated servers wrap every one, counts its requests by status (201,
// 400 for a payload that does not decode, 401 for the service's error)
// and times them, in the metrics the ws.Server was given.
func TestUnaryRequestsAreMeasured(t *testing.T) {
	reg := prometheus.NewRegistry()
	wsrv := ws.NewServer(ws.Config{Metrics: ws.NewMetrics(reg)})
	endpoint := func(_ context.Context, p any) (any, error) {
		if *p.(*string) != "ann" {
			return nil, unauthorized("who is " + *p.(*string))
		}
		return "welcome", nil
	}
	decode := func(r *http.Request) (*string, error) {
		user := r.URL.Query().Get("user")
		if user == "" {
			return nil, transport.MissingParam("user", "query")
		}
		return &user, nil
	}
	h := transport.Measure(wsrv, "chat", "login", transport.Unary(endpoint, decode, http.StatusCreated, transport.Statuses{"unauthorized": 401}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, q := range []string{"?user=ann", "?user=ann", "?user=bob", ""} {
		resp, err := srv.Client().Post(srv.URL+q, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Client().CloseIdleConnections()

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	var timed uint64
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["service"] != "chat" || labels["method"] != "login" {
				continue
			}
			switch f.GetName() {
			case "duplex_http_requests_total":
				got[labels["status"]] = m.GetCounter().GetValue()
			case "duplex_http_request_duration_seconds":
				timed = m.GetHistogram().GetSampleCount()
			}
		}
	}
	want := map[int]float64{http.StatusCreated: 2, http.StatusUnauthorized: 1, http.StatusBadRequest: 1}
	for status, n := range want {
		if got[strconv.Itoa(status)] != n {
			t.Errorf("duplex_http_requests_total{status=%d} = %v, want %v (all: %v)", status, got[strconv.Itoa(status)], n, got)
		}
	}
	if timed != 4 {
		t.Errorf("duplex_http_request_duration_seconds counted %d requests, want 4", timed)
	}
}

// TestServeStreamCountsTheUpgradesItRefuses: a stream whose handler fails
// before the upgrade (here its authorization) is answered 401 by
// transport.Stream and counted under that status.
func TestServeStreamCountsTheUpgradesItRefuses(t *testing.T) {
	reg := prometheus.NewRegistry()
	wsrv := ws.NewServer(ws.Config{Metrics: ws.NewMetrics(reg)})
	ep := &ws.Endpoint{Service: "notes", Method: "post"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		spec := &transport.StreamSpec[any, any]{Endpoint: ep, Statuses: transport.Statuses{"unauthorized": 401}}
		streamHandler(wsrv, nil, spec, func(context.Context, *transport.ServerStream[any, any]) error {
			return unauthorized("missing token")
		}).ServeHTTP(w, r)
	}))
	defer srv.Close()
	_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial: %v, %v; want 401", resp, err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var refused float64
	for _, f := range fams {
		if f.GetName() != "duplex_upgrades_refused_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["method"] == "post" && labels["status"] == "401" {
				refused = m.GetCounter().GetValue()
			}
		}
	}
	if refused != 1 {
		t.Errorf("duplex_upgrades_refused_total{method=post,status=401} = %v, want 1", refused)
	}
}
