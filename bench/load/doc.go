// Package load is the harness's load client and report: it starts each server
// as its own process (StartServer), runs every scenario against every server
// in the same run with interleaved rounds (Run), and writes the results as a
// markdown table of ratios against the raw gorilla/websocket server and an SVG
// chart (Report.Markdown, Report.SVG).
//
// The client is its own code on gorilla/websocket, talks to 127.0.0.1 only,
// and bounds every loop by a count and by Config.ScenarioTimeout. It checks
// what it measures: every echo comes back in order, every event of a stream
// and of a broadcast arrives, and a scenario that loses a message is reported
// as an error, not as a number.
//
// It is not a general load-testing tool: the scenarios speak the wire of the
// benchmark design (duplex.dev/bench/design) and nothing else.
package load
