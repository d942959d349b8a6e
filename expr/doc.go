// Package expr is Duplex's design model: the data types, attributes,
// validations, services, methods, HTTP and WebSocket mappings, views and
// security schemes that a design describes.
//
// The DSL (package duplex.dev/dsl) records into this model through package
// duplex.dev/eval, which then runs Prepare, Validate and Finalize on Root.
// Code generators read Root after eval.RunDSL succeeded and never the DSL
// itself: after Finalize every method has a non-nil Payload, Result and
// StreamingPayload (Empty when the design declares none), inherited security
// requirements and errors, and every HTTP endpoint has its params, headers,
// body and (for streaming methods) WebSocket settings filled in.
//
// Expr is not a code generator and does not run the DSL; it holds no state
// other than Root.
package expr
