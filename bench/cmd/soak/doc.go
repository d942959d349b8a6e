// Command soak is the long-run benchmark (issue 10): it starts one server of
// the harness as its own process (cmd/benchserver, so the RSS it reports is
// the server's alone), holds many connections with mixed traffic against it
// for a long time, and reports the server's RSS, goroutines, heap and GC
// pauses and the client's p99 latency over time, as a markdown table and an
// SVG chart:
//
//	cd bench && go run ./cmd/soak -kind duplex -conns 1000 -duration 10m -out ../docs/soak.md
//
// -kind takes a comma-separated list (duplex,raw): the servers are soaked
// one after the other and each gets its section and chart (-out with
// "-KIND.svg"). It is not run in CI; the tests of duplex.dev/bench/soak run a
// two-second smoke. The exit status is 1 if any operation failed during the
// run (the report is written first).
package main
