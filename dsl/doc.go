// Package dsl is Duplex's design language: Goa v3's DSL functions, with the
// same names, signatures and meaning, plus WebSocket for Duplex's own
// streaming settings. Dot-import it in a design package:
//
//	import . "duplex.dev/dsl"
//
//	var _ = Service("chat", func() {
//		Method("echo", func() {
//			StreamingPayload(String)
//			StreamingResult(String)
//			HTTP(func() { GET("/echo") })
//		})
//	})
//
// A Goa design that uses the supported subset compiles after only its
// import path changed. Goa functions for features Duplex does not implement
// (GRPC, Files, Message, ServerSentEvents, MultipartRequest ...) exist with
// Goa's signatures and record a design error rather than being ignored.
//
// DSL functions only record into the model (package duplex.dev/expr)
// through package duplex.dev/eval; a function called in the wrong place
// records an error with the file and line of the call and never panics.
// Validation and defaults are the model's job, not this package's.
package dsl
