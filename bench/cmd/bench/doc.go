// Command bench runs the comparison: it builds cmd/benchserver, starts one
// process per server (raw gorilla/websocket, Goa, Duplex …), runs every
// scenario against every server in interleaved rounds on 127.0.0.1, and
// writes the table of ratios (markdown) and a chart (SVG).
//
// Run it from the bench directory:
//
//	go run ./cmd/bench -rounds 5 -out ../BENCHMARKS.md
//
// -short runs a few hundred messages per scenario (a check that the harness
// works, not a measurement). -scenarios 'window 1$|churn' runs only the
// scenarios whose names match the regular expression, and -cpuprofile DIR
// writes one CPU profile per server: together, a profile of one scenario.
//
// -baseline REV also runs each duplex kind as built from git revision REV
// of this repository (KIND@HASH, built in a temporary worktree), in the
// same rounds, and adds a table of current ÷ baseline:
//
//	go run ./cmd/bench -rounds 3 -baseline HEAD~1 -servers goa,duplex
package main
