package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Interceptor declares an interceptor: code that runs around the endpoint
// of the methods it is applied to with ServerInterceptor or
// ClientInterceptor, as in Goa. fn may name the attributes it reads or
// writes with ReadPayload, WritePayload, ReadResult, WriteResult and their
// streaming twins; the generated Info type then gives typed access to them.
// It returns the interceptor to pass to ServerInterceptor or
// ClientInterceptor (its name works too).
//
//	var Audit = Interceptor("Audit", func() {
//		Description("Records who sent what.")
//		ReadStreamingPayload(func() { Attribute("text") })
//	})
func Interceptor(name string, fn ...func()) *expr.InterceptorExpr {
	i := &expr.InterceptorExpr{Name: name, Pos: eval.Caller()}
	switch {
	case len(fn) > 1:
		eval.ReportError("interceptor %q cannot have multiple definitions: pass one function", name)
		return i
	case name == "":
		eval.ReportError("interceptor name cannot be empty")
		return i
	}
	if prev := expr.Root.Interceptor(name); prev != nil {
		eval.ReportError("interceptor %q already defined at %s: rename one", name, prev.Pos)
		return prev
	}
	if len(fn) > 0 && !eval.Execute(fn[0], i) {
		return i
	}
	expr.Root.Interceptors = append(expr.Root.Interceptors, i)
	return i
}

// ReadPayload names the payload attributes an interceptor reads. arg is a
// function listing them with Attribute, a type or an attribute.
func ReadPayload(arg any) {
	interceptorAccess("ReadPayload", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.ReadPayload = a })
}

// WritePayload names the payload attributes an interceptor writes.
func WritePayload(arg any) {
	interceptorAccess("WritePayload", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.WritePayload = a })
}

// ReadResult names the result attributes an interceptor reads.
func ReadResult(arg any) {
	interceptorAccess("ReadResult", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.ReadResult = a })
}

// WriteResult names the result attributes an interceptor writes.
func WriteResult(arg any) {
	interceptorAccess("WriteResult", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.WriteResult = a })
}

// ReadStreamingPayload names the attributes of the streamed payload an
// interceptor reads: it then runs on every message the client sends.
func ReadStreamingPayload(arg any) {
	interceptorAccess("ReadStreamingPayload", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.ReadStreamingPayload = a })
}

// WriteStreamingPayload names the attributes of the streamed payload an
// interceptor writes: it then runs on every message the client sends.
func WriteStreamingPayload(arg any) {
	interceptorAccess("WriteStreamingPayload", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.WriteStreamingPayload = a })
}

// ReadStreamingResult names the attributes of the streamed result an
// interceptor reads: it then runs on every message the server sends.
func ReadStreamingResult(arg any) {
	interceptorAccess("ReadStreamingResult", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.ReadStreamingResult = a })
}

// WriteStreamingResult names the attributes of the streamed result an
// interceptor writes: it then runs on every message the server sends.
func WriteStreamingResult(arg any) {
	interceptorAccess("WriteStreamingResult", arg, func(i *expr.InterceptorExpr, a *expr.AttributeExpr) { i.WriteStreamingResult = a })
}

// ServerInterceptor applies interceptors (values returned by Interceptor,
// or their names) to the server side of every method of the API, the
// service or the method it appears in.
func ServerInterceptor(interceptors ...any) {
	applyInterceptors("ServerInterceptor", interceptors, false)
}

// ClientInterceptor applies interceptors to the generated client of every
// method of the API, the service or the method it appears in.
func ClientInterceptor(interceptors ...any) {
	applyInterceptors("ClientInterceptor", interceptors, true)
}

func interceptorAccess(fn string, arg any, set func(*expr.InterceptorExpr, *expr.AttributeExpr)) {
	i, ok := eval.Current().(*expr.InterceptorExpr)
	if !ok {
		incompatible(fn, "an Interceptor")
		return
	}
	var att *expr.AttributeExpr
	switch a := arg.(type) {
	case func():
		att = &expr.AttributeExpr{Type: &expr.Object{}, Pos: eval.Caller()}
		if !eval.Execute(a, att) {
			return
		}
	case *expr.AttributeExpr:
		att = a
	case expr.DataType:
		att = &expr.AttributeExpr{Type: a, Pos: eval.Caller()}
	default:
		eval.ReportError("%s takes a function listing attributes, a type or an attribute, not %T", fn, arg)
		return
	}
	set(i, att)
}

func applyInterceptors(fn string, args []any, client bool) {
	if len(args) == 0 {
		eval.ReportError("%s: at least one interceptor must be specified", fn)
		return
	}
	var list []*expr.InterceptorExpr
	for _, a := range args {
		switch a := a.(type) {
		case *expr.InterceptorExpr:
			list = append(list, a)
		case string:
			i := expr.Root.Interceptor(a)
			if i == nil {
				eval.ReportError("%s: interceptor %q not found: declare it with Interceptor(%q, …) at the top level", fn, a, a)
				continue
			}
			list = append(list, i)
		default:
			eval.ReportError("%s: %v is not an interceptor: pass the value Interceptor returns or its name", fn, a)
		}
	}
	var server, clientList *[]*expr.InterceptorExpr
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		server, clientList = &e.ServerInterceptors, &e.ClientInterceptors
	case *expr.ServiceExpr:
		server, clientList = &e.ServerInterceptors, &e.ClientInterceptors
	case *expr.MethodExpr:
		server, clientList = &e.ServerInterceptors, &e.ClientInterceptors
	default:
		incompatible(fn, "an API, a Service or a Method")
		return
	}
	if client {
		*clientList = append(*clientList, list...)
	} else {
		*server = append(*server, list...)
	}
}
