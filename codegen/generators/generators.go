// Package generators registers every code generator of `duplex gen` and
// `duplex example` with duplex.dev/codegen. The generator program that
// `duplex gen` builds imports it, and so do tests that check generated
// output is current, so the two can never run different generator sets.
//
// It is not a generator itself: each artefact has its own package under
// duplex.dev/codegen.
package generators

import (
	"duplex.dev/codegen"
	"duplex.dev/codegen/example"
	"duplex.dev/codegen/httpgen"
	"duplex.dev/codegen/openapi"
	"duplex.dev/codegen/service"
	"duplex.dev/codegen/tsgen"
)

// Register registers the generators of gen/ (service package, HTTP and
// WebSocket server and client, CLI, OpenAPI and AsyncAPI documents,
// TypeScript client) and of the example scaffold.
func Register() {
	codegen.Register(codegen.Gen, "service", service.Files)
	codegen.Register(codegen.Gen, "http", httpgen.Files)
	codegen.Register(codegen.Gen, "openapi", openapi.Files)
	codegen.Register(codegen.Gen, "ts", tsgen.Files)
	codegen.Register(codegen.Example, "example", example.Files)
}
