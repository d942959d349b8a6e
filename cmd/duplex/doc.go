// Command duplex generates Go code from a Duplex (Goa-style) design.
//
//	duplex gen DESIGN_IMPORT_PATH [-o DIR] [-v]      write gen/ (service, transports, clients, CLI)
//	duplex example DESIGN_IMPORT_PATH [-o DIR] [-v]  scaffold an implementation and cmd/ mains, never overwriting
//	duplex version                                   print the version
//	duplex help [COMMAND]                            print the usage (so do -h and COMMAND -h)
//
// A design error prints one "design.go:LINE: message" line per problem and
// exits 1 without writing anything. -v reports on stderr whether the
// generator program was built or reused from the cache.
//
// Like Goa, it builds a temporary main package inside the user's module
// (so that go.mod and its replace directives apply) that imports the design
// package, whose init records the DSL, and every generator under
// duplex.dev/codegen. The built program is cached in the user cache
// directory, keyed by the design's sources, go.mod, go.sum and this
// command's version, so regenerating an unchanged design skips the build.
//
// The generator program imports only the standard library, duplex.dev and
// the design's own imports, so a module that `go mod tidy` kept for the
// user's code builds it with no `go get`. What needs another library (the
// YAML encoding of the API documents, duplex.dev/codegen/yamlfile) runs in
// this command. When go.mod or go.sum is behind anyway, the error says to
// run `go mod tidy`.
//
// It is not a library: generators live in duplex.dev/codegen.
package main
