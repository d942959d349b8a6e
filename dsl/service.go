package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Service defines a service: its methods, errors, security and HTTP
// mapping. It must appear at the top level.
//
//	var _ = Service("chat", func() {
//		Method("echo", func() { ... })
//	})
func Service(name string, fn func()) *expr.ServiceExpr {
	if !atTopLevel("Service") {
		return nil
	}
	if name == "" {
		eval.ReportError("Service name cannot be empty")
	}
	if s := expr.Root.Service(name); s != nil {
		eval.ReportError("service %q is defined twice (first at %s): rename one", name, s.Pos)
		return nil
	}
	s := &expr.ServiceExpr{Name: name, DSLFunc: fn, Pos: eval.Caller()}
	expr.Root.Services = append(expr.Root.Services, s)
	return s
}

// Method defines a method of a service: its payload, result, streams,
// errors, security and HTTP mapping. It must appear in Service.
func Method(name string, fn func()) *expr.MethodExpr {
	s, ok := eval.Current().(*expr.ServiceExpr)
	if !ok {
		incompatible("Method", "a Service")
		return nil
	}
	if name == "" {
		eval.ReportError("Method name cannot be empty in service %q", s.Name)
	}
	m := &expr.MethodExpr{Name: name, Service: s, Stream: expr.NoStreamKind, Pos: eval.Caller()}
	s.Methods = append(s.Methods, m)
	eval.Execute(fn, m)
	return m
}

// Payload defines the method payload: a type, a type name, or a function
// defining an object inline, optionally followed by a description and a
// function adding validations. For streaming methods it is the data sent
// once with the upgrade request (query parameters and headers). It must
// appear in Method.
func Payload(val any, args ...any) {
	m, ok := eval.Current().(*expr.MethodExpr)
	if !ok {
		incompatible("Payload", "a Method")
		return
	}
	if len(args) > 2 {
		eval.ReportError("Payload of method %q: too many arguments: use (type), (func), (type, func), (type, desc) or (type, desc, func)", m.Name)
		return
	}
	if att := methodDSL(m, "Payload", val, args...); att != nil {
		m.Payload = att
	}
}

// StreamingPayload defines the type of the messages the client streams to
// the server; arguments are those of Payload. It must appear in Method.
func StreamingPayload(val any, args ...any) {
	m, ok := eval.Current().(*expr.MethodExpr)
	if !ok {
		incompatible("StreamingPayload", "a Method")
		return
	}
	if len(args) > 2 {
		eval.ReportError("StreamingPayload of method %q: too many arguments", m.Name)
		return
	}
	att := methodDSL(m, "StreamingPayload", val, args...)
	if att == nil {
		return
	}
	m.StreamingPayload = att
	m.StreamingPayloadPos = att.Pos
	if m.Stream == expr.ServerStreamKind {
		m.Stream = expr.BidirectionalStreamKind
	} else if m.Stream != expr.BidirectionalStreamKind {
		m.Stream = expr.ClientStreamKind
	}
}

// Result defines the method result; arguments are those of Payload. With
// StreamingPayload it is the final result the server sends when the client
// closes its stream. It must appear in Method and cannot be combined with
// StreamingResult.
func Result(val any, args ...any) {
	m, ok := eval.Current().(*expr.MethodExpr)
	if !ok {
		incompatible("Result", "a Method")
		return
	}
	if m.IsResultStreaming() {
		eval.ReportError("method %q: Result cannot be used with StreamingResult (StreamingResult already defines what the server sends); remove one of them", m.Name)
		return
	}
	if len(args) > 2 {
		eval.ReportError("Result of method %q: too many arguments", m.Name)
		return
	}
	if att := methodDSL(m, "Result", val, args...); att != nil {
		m.Result = att
		m.ResultPos = att.Pos
	}
}

// StreamingResult defines the type of the messages the server streams to
// the client; arguments are those of Payload. It must appear in Method and
// cannot be combined with Result.
func StreamingResult(val any, args ...any) {
	m, ok := eval.Current().(*expr.MethodExpr)
	if !ok {
		incompatible("StreamingResult", "a Method")
		return
	}
	if m.Result != nil && !m.IsResultStreaming() {
		eval.ReportError("method %q: StreamingResult cannot be used with Result; remove one of them", m.Name)
		return
	}
	if len(args) > 2 {
		eval.ReportError("StreamingResult of method %q: too many arguments", m.Name)
		return
	}
	att := methodDSL(m, "StreamingResult", val, args...)
	if att == nil {
		return
	}
	m.Result = att
	m.ResultPos = att.Pos
	if m.Stream == expr.ClientStreamKind {
		m.Stream = expr.BidirectionalStreamKind
	} else if m.Stream != expr.BidirectionalStreamKind {
		m.Stream = expr.ServerStreamKind
	}
}

// methodDSL builds the attribute of Payload, Result and their streaming
// twins, following Goa: an inline object, a type, or a type name, then an
// optional description and DSL function.
func methodDSL(m *expr.MethodExpr, suffix string, p any, args ...any) *expr.AttributeExpr {
	pos := eval.Caller()
	var (
		att *expr.AttributeExpr
		fn  func()
	)
	switch actual := p.(type) {
	case func():
		fn = actual
		att = &expr.AttributeExpr{Type: &expr.Object{}}
	case string:
		ut := expr.Root.UserType(actual)
		if ut == nil {
			eval.ReportError("%s of method %q: unknown type %q: declare it with Type or ResultType, or pass the type itself", suffix, m.Name, actual)
			return nil
		}
		att = &expr.AttributeExpr{Type: ut}
	case expr.DataType:
		if isNilType(actual) {
			eval.ReportError("%s of method %q: the type is nil (is it declared after its use in a package variable?)", suffix, m.Name)
			return nil
		}
		att = &expr.AttributeExpr{Type: actual}
	default:
		eval.ReportError("%s of method %q: invalid argument %#v: use a type, a type name or a func()", suffix, m.Name, p)
		return nil
	}
	att.Pos = pos
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if i != 0 {
				eval.ReportError("%s of method %q: the description must come before the DSL function", suffix, m.Name)
				continue
			}
			att.Description = v
		case func():
			if fn != nil || i != len(args)-1 {
				eval.ReportError("%s of method %q: invalid arguments: use (type), (func), (type, func), (type, desc) or (type, desc, func)", suffix, m.Name)
				continue
			}
			fn = v
		default:
			eval.ReportError("%s of method %q: invalid argument %#v: expected a description or a func()", suffix, m.Name, a)
		}
	}
	if fn != nil {
		eval.Execute(fn, att)
		if obj, ok := att.Type.(*expr.Object); ok && len(*obj) == 0 && len(att.Bases) == 0 && len(att.References) == 0 {
			att.Type = expr.Empty
		}
	}
	return att
}

// Error declares an error a method (or every method of a service, or of
// the API) may return: Error(name), Error(name, type), Error(name, type,
// description) or Error(name, type, description, func()). The default type
// is Goa's error result. It must appear in API, Service or Method.
func Error(name string, args ...any) {
	if len(args) == 0 {
		args = []any{expr.ErrorResult}
	} else if _, ok := args[0].(func()); ok {
		args = append([]any{expr.ErrorResult}, args...)
	}
	pos := eval.Caller()
	var add func(*expr.ErrorExpr)
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		add = func(ee *expr.ErrorExpr) { e.Errors = append(e.Errors, ee) }
	case *expr.ServiceExpr:
		add = func(ee *expr.ErrorExpr) { e.Errors = append(e.Errors, ee) }
	case *expr.MethodExpr:
		add = func(ee *expr.ErrorExpr) { e.Errors = append(e.Errors, ee) }
	default:
		incompatible("Error", "API, a Service or a Method")
		return
	}
	dt, desc, fn, ok := parseAttributeArgs("Error "+quote(name), args...)
	if !ok {
		return
	}
	if dt == nil {
		dt = expr.ErrorResult
	}
	att := &expr.AttributeExpr{Type: dt, Description: desc, Pos: pos}
	ee := &expr.ErrorExpr{AttributeExpr: att, Name: name, Pos: pos}
	if fn != nil {
		eval.Execute(fn, att)
	}
	add(ee)
}
