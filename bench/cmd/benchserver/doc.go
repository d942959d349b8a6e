// Command benchserver runs one server of the benchmark harness in its own
// process, so that the harness can measure its memory (VmRSS) alone:
//
//	benchserver -kind raw|goa|duplex-runtime|duplex [-addr 127.0.0.1:0] [-cpuprofile FILE] [-debug-addr 127.0.0.1:PORT]
//
// It prints "listening on http://ADDR" once it accepts connections and stops
// when its standard input closes or on SIGINT/SIGTERM. cmd/bench and cmd/soak start
// it; there is no need to run it by hand. With -debug-addr it also serves its
// runtime statistics (server.RuntimeStats as JSON) on that address, which
// cmd/soak samples.
package main
