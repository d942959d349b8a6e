// Command benchserver runs one server of the benchmark harness in its own
// process, so that the harness can measure its memory (VmRSS) alone:
//
//	benchserver -kind raw|goa|duplex-runtime|duplex [-addr 127.0.0.1:0] [-cpuprofile FILE]
//
// It prints "listening on http://ADDR" once it accepts connections and stops
// when its standard input closes or on SIGINT/SIGTERM. cmd/bench starts it;
// there is no need to run it by hand.
package main
