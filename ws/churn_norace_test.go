//go:build !race

package ws_test

// churnCycles is the number of connect / send / close cycles of
// TestChurnNoLeak: the 10,000 the churn requirement asks for.
const churnCycles = 10000
