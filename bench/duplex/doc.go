// Package duplex serves the benchmark design with the code `duplex gen`
// generates (gen/, produced from design/, a copy of duplex.dev/bench/design
// whose only difference is the DSL import, duplex.dev/dsl instead of Goa's)
// and a minimal service implementation that behaves like bench/goa's: the
// same results, events and counts on the same wire. The one deliberate
// difference is the room broadcast: publish goes through duplex.dev/hub,
// which encodes each message once and queues the same frame for every
// member, where Goa's implementation sends to each member's stream in turn.
//
// Regenerate gen/ after changing design/ (keep design/design.go identical to
// ../design/design.go except for the import; a test checks it):
//
//	cd bench && go run duplex.dev/cmd/duplex gen duplex.dev/bench/duplex/design -o duplex
//
// It exists to be measured against Goa and raw gorilla/websocket and to
// check that Duplex and Goa clients and servers work with each other; it is
// not the guide's example service (see examples/chat).
package duplex
