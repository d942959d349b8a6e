// Package design is a Goa v3 design (the chat design that Goa's own code
// generator was run on, /tmp/goaref/design) with only its import path
// changed to duplex.dev/dsl. It proves that such a design compiles and
// evaluates unchanged. It is a test fixture, not an example to copy.
package design
