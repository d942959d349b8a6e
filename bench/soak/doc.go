// Package soak is the long-run benchmark of issue 10: it holds many
// connections with mixed traffic against one server process for minutes and
// samples, every interval, the server's resident memory, goroutines, heap and
// GC pauses, and the client-side latency percentiles, then writes them as a
// markdown table and an SVG chart over time (Result.Markdown, Result.SVG).
//
// The traffic (Config) mixes echo round trips, short server→client streams
// that reconnect, room broadcasts, idle connections and connect/echo/close
// churn. Every loop ends with the run's duration; errors are counted per
// interval and the first ones kept, never hidden.
//
// It is not run in CI: cmd/soak is the documented command, and the tests
// run a two-second smoke. It speaks the benchmark design's wire only
// (duplex.dev/bench/design); see duplex.dev/bench/load for the throughput
// comparison.
package soak
