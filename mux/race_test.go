//go:build race

package mux_test

// raceEnabled: the race detector slows every message ~30 times; load tests
// send fewer.
const raceEnabled = true
