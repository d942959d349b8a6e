// Package duplex is the small runtime core that Duplex-generated service
// packages and service implementations import: the Endpoint type, the one
// error classification every transport answers with (Code, Error, CodeOf),
// the ServiceError type with its constructors, the validation errors
// generated validators return, format validation, and the version constant
// generated code pins.
//
// Its names and shapes follow the goa package (goa.design/goa/v3/pkg), so a
// Goa service implementation compiles against Duplex-generated code with only
// import paths changed. Validation errors are *ServiceError values with a
// Name such as "missing_field" or "invalid_enum_value" and the offending
// attribute in Field; [CodeOf] gives them [CodeInvalid], answered with 400
// before a stream is upgraded and close 1007 after it. [Error] carries any
// other [Code] a method wants its error answered with.
//
// It is not a transport: WebSocket and HTTP handling live in the runtime
// packages, rooms and broadcast in duplex.dev/hub, security schemes in
// duplex.dev/security.
package duplex
