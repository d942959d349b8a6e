// Package raw serves the benchmark endpoints (see duplex.dev/bench/design)
// directly on gorilla/websocket, with no framework: the ceiling every
// framework in the harness is compared with.
//
// Each connection has one writer goroutine draining a bounded queue; the
// handler goroutine reads. A broadcast encodes its frame once and queues the
// same bytes for every member. It is not a library: it exists to be measured.
package raw
