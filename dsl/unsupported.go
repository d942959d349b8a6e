package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// unsupported records that a Goa DSL function is not supported by Duplex.
func unsupported(what, instead string) {
	msg := what + " is not supported by Duplex"
	if m := enclosingMethod(); m != nil {
		msg += " (method " + quote(m.Name) + ")"
	}
	if instead != "" {
		msg += ": " + instead
	}
	eval.ReportError("%s", msg)
}

// GRPC exists for Goa compatibility: Duplex serves HTTP and WebSocket
// only, so it skips the block (fn does not run) and records a warning that
// `duplex gen` prints with the block's position; the rest of the design is
// generated.
func GRPC(fn func()) {
	msg := "GRPC block skipped: Duplex serves HTTP and WebSocket and does not generate gRPC"
	if m := enclosingMethod(); m != nil {
		msg += " (method " + quote(m.Name) + ")"
	} else if s, ok := eval.Current().(*expr.ServiceExpr); ok {
		msg += " (service " + quote(s.Name) + ")"
	}
	eval.ReportWarning("%s", msg)
}

// The gRPC status codes of Goa's GRPC DSL (Response(CodeNotFound) in a
// GRPC block). Duplex skips GRPC blocks; the constants exist so that a Goa
// design compiles.
const (
	CodeOK                 = 0
	CodeCanceled           = 1
	CodeUnknown            = 2
	CodeInvalidArgument    = 3
	CodeDeadlineExceeded   = 4
	CodeNotFound           = 5
	CodeAlreadyExists      = 6
	CodePermissionDenied   = 7
	CodeResourceExhausted  = 8
	CodeFailedPrecondition = 9
	CodeAborted            = 10
	CodeOutOfRange         = 11
	CodeUnimplemented      = 12
	CodeInternal           = 13
	CodeUnavailable        = 14
	CodeDataLoss           = 15
	CodeUnauthenticated    = 16
)

// Package exists for Goa compatibility (gRPC). In a GRPC block it is
// skipped with the block; anywhere else it records a design error.
func Package(name string) { unsupported("GRPC Package", "put it in a GRPC block, which Duplex skips") }

// Message exists for Goa compatibility (gRPC). In a GRPC block it is
// skipped with the block; anywhere else it records a design error.
func Message(fn func()) { unsupported("GRPC Message", "put it in a GRPC block, which Duplex skips") }

// Metadata exists for Goa compatibility (gRPC). In a GRPC block it is
// skipped with the block; anywhere else it records a design error.
func Metadata(fn func()) { unsupported("GRPC Metadata", "use Header in the HTTP block") }

// Trailers exists for Goa compatibility (gRPC). In a GRPC block it is
// skipped with the block; anywhere else it records a design error.
func Trailers(fn func()) {
	unsupported("GRPC Trailers", "put them in a GRPC block, which Duplex skips")
}

// Redirect exists for Goa compatibility; it records a design error.
func Redirect(url string, code int) {
	unsupported("Redirect", "redirect with net/http next to the Duplex handler")
}

// MultipartRequest exists for Goa compatibility; it records a design error.
func MultipartRequest() {
	unsupported("MultipartRequest", "send the parts as JSON attributes (Bytes for binary data)")
}

// SkipRequestBodyEncodeDecode exists for Goa compatibility; it records a
// design error.
func SkipRequestBodyEncodeDecode() {
	unsupported("SkipRequestBodyEncodeDecode", "remove it")
}

// SkipResponseBodyEncodeDecode exists for Goa compatibility; it records a
// design error.
func SkipResponseBodyEncodeDecode() {
	unsupported("SkipResponseBodyEncodeDecode", "remove it")
}

// JSONRPC exists for Goa compatibility; Duplex does not support the
// JSON-RPC transport yet, so it records a design error.
func JSONRPC(dsl func()) {
	unsupported("JSONRPC transport", "JSON-RPC is not supported yet; remove the JSONRPC block")
}

// ConvertTo exists for Goa compatibility; it records a design error.
func ConvertTo(obj any) { unsupported("ConvertTo", "remove it") }

// CreateFrom exists for Goa compatibility; it records a design error.
func CreateFrom(obj any) { unsupported("CreateFrom", "remove it") }

// Temporary marks an error as temporary (Meta "goa:error:temporary").
func Temporary() { errorMeta("Temporary", "goa:error:temporary") }

// Timeout marks an error as a timeout (Meta "goa:error:timeout").
func Timeout(args ...string) { errorMeta("Timeout", "goa:error:timeout") }

// Fault marks an error as a server fault (Meta "goa:error:fault").
func Fault() { errorMeta("Fault", "goa:error:fault") }

func errorMeta(fn, key string) {
	a, ok := eval.Current().(*expr.AttributeExpr)
	if !ok {
		incompatible(fn, "an Error")
		return
	}
	if a.Meta == nil {
		a.Meta = expr.MetaExpr{}
	}
	a.Meta[key] = nil
}
