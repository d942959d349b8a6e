// Package openapi generates the API documents of a design: OpenAPI 3.1
// (gen/http/openapi3.json and gen/http/openapi3.yaml) for the HTTP methods,
// with each WebSocket upgrade endpoint documented as a GET answered by 101,
// and AsyncAPI 3.0 (gen/asyncapi.yaml) for the streams: one channel per
// streaming method, its send and receive operations, message payload
// schemas carrying the design's validations, the security schemes and the
// subprotocols.
//
// Files is the generator `duplex gen` registers. The package produces
// documents only; it is not a validator (the tests check the output with
// the npm validators @asyncapi/parser and @seriousme/openapi-schema-validator)
// and it does not serve the documents. It imports no YAML library: it
// describes the YAML documents as codegen.YAMLNode trees, which
// duplex.dev/codegen/yamlfile encodes in the duplex command.
package openapi
