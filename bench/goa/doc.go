// Package goa serves the benchmark design (duplex.dev/bench/design) with the
// code Goa v3 generates (gen/, produced by `goa gen duplex.dev/bench/design -o goa`)
// and a minimal service implementation written the way Goa's documentation
// and the guide show it: the stream is used from the handler goroutine, and a
// room broadcast is a loop over the members' streams.
//
// It exists to be measured against raw gorilla/websocket and Duplex; it is not
// an example of how to write a Duplex service.
package goa
