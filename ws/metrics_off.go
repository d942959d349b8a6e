//go:build !duplexmetrics

package ws

import "time"

// Metrics would hold the Prometheus collectors of the runtime. This build
// has none: build with -tags duplexmetrics (once go.sum lists
// client_golang's dependencies) to get NewMetrics.
type Metrics struct{}

type endpointMetrics struct{}

func (m *Metrics) forEndpoint(service, method string) *endpointMetrics { return nil }

func (e *endpointMetrics) connected()              {}
func (e *endpointMetrics) disconnected()           {}
func (e *endpointMetrics) closed(code StatusCode)  {}
func (e *endpointMetrics) in(n int)                {}
func (e *endpointMetrics) out(n int)               {}
func (e *endpointMetrics) queued(delta int)        {}
func (e *endpointMetrics) dropped()                {}
func (e *endpointMetrics) handled(d time.Duration) {}
