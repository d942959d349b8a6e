package service

import (
	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// The functions of this file tell other generators (transports, clients,
// implementation stubs) the names the service package exposes, so that their
// templates never guess. Type names come from codegen.MethodTypeRef and
// codegen.GoTypeRef.

// ValidateFuncName returns the name of the function of the service package
// that validates a method value, "" when the method has none (Empty): att is
// the method's Payload, StreamingPayload or Result and suffix "Payload",
// "StreamingPayload" or "Result". Every struct type T of a service package has
// ValidateT(*T) error; the other payloads and streaming payloads have
// Validate<Method><suffix>(v T) error, e.g. ValidateCountStreamingPayload(v
// int) error. Results other than structs have no validation function.
func ValidateFuncName(m *expr.MethodExpr, att *expr.AttributeExpr, suffix string) string {
	if att == nil || expr.IsEmpty(att.Type) {
		return ""
	}
	if ut, ok := att.Type.(expr.UserType); ok && codegen.IsStruct(ut) {
		return "Validate" + codegen.GoTypeName(ut)
	}
	if codegen.IsStruct(att.Type) {
		return "Validate" + codegen.MethodTypeName(m, suffix)
	}
	if suffix == "Result" {
		return ""
	}
	return "Validate" + codegen.MethodTypeName(m, suffix)
}

// ViewedFuncName returns the name of the function of the service package
// that projects a result of m with a view, "NewViewed<Type>", or "" when the
// result is not a result type with views. Its value has a Projected field,
// the JSON-ready value transports encode.
func ViewedFuncName(m *expr.MethodExpr) string {
	rt, ok := resultType(m)
	if !ok || len(rt.Views) == 0 {
		return ""
	}
	return "NewViewed" + codegen.GoTypeName(rt)
}

// ResultView returns the view the results of m are rendered with unless the
// implementation chooses one: the view the design gives with
// Result(T, func() { View("x") }), else "default"; "" when the result has no
// views.
func ResultView(m *expr.MethodExpr) string {
	rt, ok := resultType(m)
	if !ok || len(rt.Views) == 0 {
		return ""
	}
	if v, chosen := m.Result.Meta.Last("view"); chosen {
		return v
	}
	if rt.View(expr.DefaultView) == nil {
		return rt.Views[0].Name
	}
	return expr.DefaultView
}

// ImplementationChoosesView reports whether the implementation of m picks the
// view of its results: the result type has several views and the design
// chooses none. A unary method then returns (res, view string, err) and the
// server stream of a streaming method has SetView.
func ImplementationChoosesView(m *expr.MethodExpr) bool {
	rt, ok := resultType(m)
	if !ok || !rt.HasMultipleViews() {
		return false
	}
	_, chosen := m.Result.Meta.Last("view")
	return !chosen
}

// EndpointField returns the field of the Endpoints struct that holds the
// endpoint of method m: its Go name, or the Go name followed by "Endpoint"
// (as often as it takes to be unique) when that is "Use", the name of
// Endpoints' method.
func EndpointField(m *expr.MethodExpr) string {
	name := codegen.Goify(m.Name, true)
	if name != "Use" {
		return name
	}
	taken := map[string]bool{}
	if m.Service != nil {
		for _, o := range m.Service.Methods {
			taken[codegen.Goify(o.Name, true)] = true
		}
	}
	for name += "Endpoint"; taken[name]; {
		name += "Endpoint"
	}
	return name
}
