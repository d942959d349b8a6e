//go:build race

package ws_test

// churnCycles is the number of connect / send / close cycles of
// TestChurnNoLeak under the race detector, which makes each cycle about six
// times slower: 2,000 keep the test near ten seconds on two cores. The
// full 10,000 run without -race (see churn_norace_test.go).
const churnCycles = 2000
