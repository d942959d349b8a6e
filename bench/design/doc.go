// Package design is the benchmark service in Goa's DSL: the guide's three
// streaming methods (listener, subscribe, echo) plus a room broadcast
// (join/publish). Goa generates bench/goa/gen from it; bench/duplex/design is
// the same file with its import switched to duplex.dev/dsl, from which
// Duplex generates bench/duplex/gen.
//
// Every server in the harness (raw gorilla, Goa, Duplex) speaks the wire this
// design defines, so one load client measures them all:
//
//	GET  /listen            client→server stream of {"message"}; the client's JSON null ends it; the result is the count received
//	GET  /subscribe?count=N server→client stream of N Events, then close 1000
//	GET  /echo              bidirectional: each {"message"} comes back as {"message"}; the client's null ends it
//	GET  /rooms/{room}      server→client stream: one "join" Event, then every message published to the room
//	POST /rooms/{room}      publish {"message"} to every member of the room; the result is the number of members reached
//	GET  /relay             bidirectional: each RoomActivity (a OneOf union: message, join or typing) comes back, a message's text in upper case
//	POST /activity          a RoomActivity comes back as relay answers it (the union in a unary body)
package design
