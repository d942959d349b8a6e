package load

import (
	"regexp"
	"time"
)

// Config sets the size of every scenario. FullConfig is the published run;
// SmokeConfig is a few hundred messages per scenario, for tests.
type Config struct {
	// Rounds is how many times every scenario runs against every server;
	// the report shows the median of the rounds.
	Rounds int

	// Clients are the load clients every scenario runs with (Gorilla,
	// Coder); nil means Clients.
	Clients []string
	// ConnCounts are the connection counts of the 64 B echo scenarios and
	// the two one-way streams: each runs once per count.
	ConnCounts []int

	// The 64 B echo scenarios send EchoTotal messages of EchoSize bytes in
	// all, split evenly over the connections, at most Window (then
	// WideWindow) unanswered per connection.
	EchoTotal, EchoSize int
	Window, WideWindow  int
	// LargeConns connections each echo LargeMessages messages of LargeSize bytes, window 1.
	LargeConns, LargeMessages, LargeSize int
	// StreamTotal events from /subscribe, split evenly over the connections.
	StreamTotal int
	// ListenTotal messages of EchoSize bytes to /listen, split evenly over the connections.
	ListenTotal int
	// Subscribers join one room and receive BroadcastMessages published messages each.
	Subscribers, BroadcastMessages int
	// IdleConns connections are opened (one echo each) and held while the
	// server's RSS is read: once in a fresh process, once in the process
	// that served every other scenario of the round.
	IdleConns int
	// ChurnCycles connect/echo/close cycles run on ChurnWorkers connections at a time.
	ChurnCycles, ChurnWorkers int
	// DialParallel bounds concurrent handshakes when opening many connections.
	DialParallel int

	// Only, when set, keeps the scenarios whose name it matches (for
	// profiling one scenario); nil runs them all.
	Only *regexp.Regexp

	// ScenarioTimeout bounds one scenario against one server; past it the
	// scenario is reported as failed.
	ScenarioTimeout time.Duration
}

// FullConfig is the published run (issues 9 and 20): with the gorilla and
// the coder client, 64 B echo at window 1 and 16 and streams both ways on
// 10, 50 and 100 connections, 16 KiB echo, broadcast to 10,000
// subscribers, 5,000 idle connections (fresh process and after traffic)
// and connection churn, 3 rounds.
func FullConfig() Config {
	return Config{
		Rounds:     3,
		ConnCounts: []int{10, 50, 100},
		EchoTotal:  20000, EchoSize: 64,
		Window: 1, WideWindow: 16,
		LargeConns: 20, LargeMessages: 100, LargeSize: 16 << 10,
		StreamTotal: 50000,
		ListenTotal: 50000,
		Subscribers: 10000, BroadcastMessages: 10,
		IdleConns:   5000,
		ChurnCycles: 1000, ChurnWorkers: 10,
		DialParallel:    64,
		ScenarioTimeout: 60 * time.Second,
	}
}

// SmokeConfig checks the harness end to end in a few seconds: every scenario
// with a few hundred messages, one round.
func SmokeConfig() Config {
	return Config{
		Rounds:     1,
		ConnCounts: []int{2, 4},
		EchoTotal:  200, EchoSize: 64,
		Window: 1, WideWindow: 8,
		LargeConns: 2, LargeMessages: 20, LargeSize: 16 << 10,
		StreamTotal: 400,
		ListenTotal: 400,
		Subscribers: 20, BroadcastMessages: 10,
		IdleConns:   20,
		ChurnCycles: 20, ChurnWorkers: 2,
		DialParallel:    8,
		ScenarioTimeout: 20 * time.Second,
	}
}

// clients returns the load clients of cfg.
func (cfg Config) clients() []string {
	if len(cfg.Clients) == 0 {
		return Clients
	}
	return cfg.Clients
}
