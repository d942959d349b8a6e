// Package design is the design of the chat example: the guide's three
// streaming patterns (listener, subscribe, echo), login with basic auth
// returning a JWT, rooms (join, send, history) and an analytics stream
// with views. `duplex gen duplex.dev/examples/chat/design` generates the
// chat service from it; importing the package declares the design (its
// variables run the DSL), it has no other API.
package design
