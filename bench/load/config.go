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

	// EchoConns connections each send EchoMessages messages of EchoSize bytes
	// to /echo, with at most Window (then WideWindow) unanswered.
	EchoConns, EchoMessages, EchoSize int
	Window, WideWindow                int
	// LargeConns connections each echo LargeMessages messages of LargeSize bytes, window 1.
	LargeConns, LargeMessages, LargeSize int
	// StreamConns connections each receive StreamMessages events from /subscribe.
	StreamConns, StreamMessages int
	// ListenConns connections each send ListenMessages messages of EchoSize bytes to /listen.
	ListenConns, ListenMessages int
	// Subscribers join one room and receive BroadcastMessages published messages each.
	Subscribers, BroadcastMessages int
	// IdleConns connections are opened (one echo each) and held while the
	// server's RSS is read.
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

// FullConfig is the published run (issue 9): 100 connections × 64 B echo at
// window 1 and 32, 16 KiB echo, streams both ways, broadcast to 10,000
// subscribers, 5,000 idle connections and connection churn, 5 rounds.
func FullConfig() Config {
	return Config{
		Rounds:    5,
		EchoConns: 100, EchoMessages: 200, EchoSize: 64,
		Window: 1, WideWindow: 32,
		LargeConns: 20, LargeMessages: 100, LargeSize: 16 << 10,
		StreamConns: 10, StreamMessages: 5000,
		ListenConns: 10, ListenMessages: 5000,
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
		Rounds:    1,
		EchoConns: 4, EchoMessages: 50, EchoSize: 64,
		Window: 1, WideWindow: 8,
		LargeConns: 2, LargeMessages: 20, LargeSize: 16 << 10,
		StreamConns: 2, StreamMessages: 200,
		ListenConns: 2, ListenMessages: 200,
		Subscribers: 20, BroadcastMessages: 10,
		IdleConns:   20,
		ChurnCycles: 20, ChurnWorkers: 2,
		DialParallel:    8,
		ScenarioTimeout: 20 * time.Second,
	}
}
