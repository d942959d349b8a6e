// Package example generates what `duplex example` scaffolds, in the places
// `goa example` uses so Goa users find their way: one implementation file per
// service in the module root (package <api>api, with New<Service> returning a
// stub whose methods log and answer "not implemented"), cmd/<api>/main.go
// (an HTTP and WebSocket server with -host, -http-port, -addr and -debug
// flags, slog logging and graceful shutdown) and cmd/<api>-cli/main.go (the
// generated CLI client).
//
// The files are a starting point the user edits: they carry no "DO NOT EDIT"
// header and the duplex command never overwrites an existing one. This
// package does not generate gen/ (see packages service and httpgen).
package example
