// Package server is the registry of the servers the harness compares and the
// code that runs one of them as its own process (so that its memory can be
// measured alone): see Kinds, Handler and Serve, used by cmd/benchserver.
//
// It is not a framework: each entry is one implementation of the benchmark
// design (duplex.dev/bench/design) on a different stack.
package server
