// Package eval runs a Duplex design: it executes the DSL functions recorded
// by package duplex.dev/dsl, keeps track of the expression being defined so
// that each DSL function knows its context, collects every design error
// with the file and line of the offending DSL call, and then runs the
// model's Prepare, Validate and Finalize phases.
//
// RunDSL is what `duplex gen` (and tests) call once the design package's
// init functions have declared the design; Reset starts over with an empty
// design so that one process can evaluate several designs in turn.
//
// Eval is not safe for concurrent use: a design is evaluated by one
// goroutine, like Go package initialisation. It is not a code generator.
package eval
