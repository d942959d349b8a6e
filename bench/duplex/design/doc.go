// Package design is the benchmark design (duplex.dev/bench/design) for
// Duplex: the same file with its DSL import switched from Goa's to
// duplex.dev/dsl, as the compatibility contract promises a Goa design needs
// nothing more. duplex.TestDesignMatchesGoaDesign keeps the two identical
// otherwise. `duplex gen duplex.dev/bench/duplex/design -o duplex` generates
// bench/duplex/gen from it.
package design
