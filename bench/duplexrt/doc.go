// Package duplexrt serves the benchmark endpoints (duplex.dev/bench/design)
// written directly on Duplex's runtime, duplex.dev/ws: the "duplex-runtime"
// row of the harness, beside the generated service ("duplex", bench/duplex),
// so the report shows what generated code costs over the runtime. The
// handlers do what generated code does: Receive/Send on a ws.Conn, and a
// broadcast that encodes once and queues the same frame for every member
// with SendRaw.
//
// It is not an example service: use the generated code (bench/duplex).
package duplexrt
