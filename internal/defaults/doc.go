// Package defaults holds the default limits, queue sizes and timings of a
// stream, each written once. The design package (expr) fills a design's
// WebSocket settings from them and the generators omit the options that
// equal them; the runtime (ws, ws/resume) starts its server and client
// configurations from them. A default changed here changes in all of those
// places together, which is the point: a value copied into a second place
// drifts. The ws tests assert that the design's, the server's and the
// client's defaults are these values.
//
// It holds no logic and imports nothing but the standard library, so that
// the design package can import it without depending on the runtime. Users
// see the values through ws.DefaultConfig, resume.DefaultConfig,
// ws.DefaultRetryPolicy and the expr.Default constants.
package defaults
