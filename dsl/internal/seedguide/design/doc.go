// Package design holds the three streaming methods of the guide
// (seed/000_f8fc44c4eed5073c.txt), copied verbatim from its code blocks
// into one service, with the DSL imported from duplex.dev/dsl. It is a
// test fixture proving that the guide's designs evaluate unchanged.
package design
