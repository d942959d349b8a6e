package dsl

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Attribute defines a child attribute of an object: in Type, ResultType,
// Payload, Result, StreamingPayload, StreamingResult, Error or another
// Attribute. It accepts Goa's forms:
//
//	Attribute(name)                    // String, or the type of the referenced attribute
//	Attribute(name, fn)                // inline object or validations
//	Attribute(name, type)
//	Attribute(name, type, fn)
//	Attribute(name, type, description)
//	Attribute(name, type, description, fn)
//
// In a View it names an attribute of the result type to render.
func Attribute(name string, args ...any) {
	parent := currentAttribute()
	if parent == nil {
		incompatible("Attribute", "a Type, ResultType, View, Payload, Result, StreamingPayload, StreamingResult, Error or Attribute")
		return
	}
	if parent.Type == nil {
		parent.Type = &expr.Object{}
	}
	if u, ok := parent.Type.(*expr.Union); ok {
		unionVariant(u, name, args...)
		return
	}
	obj, ok := parent.Type.(*expr.Object)
	if !ok {
		eval.ReportError("cannot define attribute %q%s: its parent has type %s, not an inline object (define the attribute in the type itself)", name, methodSuffix(), parent.Type.Name())
		return
	}
	pos := eval.Caller()
	dt, desc, fn, ok := parseAttributeArgs("attribute "+quote(name), args...)
	if !ok {
		return
	}
	att := &expr.AttributeExpr{Type: dt, Description: desc, Pos: pos}
	obj.Set(name, att)
	if fn != nil {
		eval.Execute(fn, att)
	}
}

// OneOf defines an attribute whose value is exactly one of several variants
// (a union), as Goa's OneOf does. It may appear wherever Attribute can; fn
// lists the variants with Attribute:
//
//	var ChatEvent = Type("ChatEvent", func() {
//	    Attribute("room", String)
//	    OneOf("event", "What happened", func() {
//	        Attribute("message", Message)
//	        Attribute("join", Join)
//	        Attribute("typing", Boolean)
//	    })
//	    Required("room", "event")
//	})
//
// The generated Go type is Goa's sum type (Event with Kind, NewEventJoin,
// AsJoin, SetJoin); JSON carries {"type": "join", "value": {...}}, the keys
// renamed with Meta("oneof:type:field", key) and Meta("oneof:value:field",
// key) in fn.
func OneOf(name string, args ...any) {
	if len(args) == 0 || len(args) > 2 {
		eval.ReportError("OneOf %q: expected (name, fn) or (name, description, fn)", name)
		return
	}
	fn, ok := args[len(args)-1].(func())
	if !ok {
		eval.ReportError("OneOf %q: invalid argument %#v: expected a func() listing the variants with Attribute", name, args[len(args)-1])
		return
	}
	var desc string
	if len(args) == 2 {
		if desc, ok = args[0].(string); !ok {
			eval.ReportError("OneOf %q: invalid argument %#v: expected a description", name, args[0])
			return
		}
	}
	parent := currentAttribute()
	if parent == nil {
		incompatible("OneOf", "a Type, ResultType, Payload, Result, StreamingPayload, StreamingResult, Error or Attribute")
		return
	}
	if parent.Type == nil {
		parent.Type = &expr.Object{}
	}
	obj, ok := parent.Type.(*expr.Object)
	if !ok {
		eval.ReportError("cannot define OneOf %q%s: its parent has type %s, not an inline object", name, methodSuffix(), parent.Type.Name())
		return
	}
	u := &expr.Union{TypeName: name}
	att := &expr.AttributeExpr{Type: u, Description: desc, Pos: eval.Caller()}
	obj.Set(name, att)
	eval.Execute(fn, att)
	if k, ok := att.Meta.Last("oneof:type:field"); ok {
		u.TypeKey = k
	}
	if k, ok := att.Meta.Last("oneof:value:field"); ok {
		u.ValueKey = k
	}
}

// unionVariant records the variant name of the union u being defined by
// OneOf. A variant whose type is not a user type is wrapped into one named
// after the union and the variant ("eventTyping"), as Goa does, so that
// every variant has a Go type of its own.
func unionVariant(u *expr.Union, name string, args ...any) {
	pos := eval.Caller()
	dt, desc, fn, ok := parseAttributeArgs("OneOf "+quote(u.TypeName)+" variant "+quote(name), args...)
	if !ok {
		return
	}
	if u.Variant(name) != nil {
		eval.ReportError("OneOf %q: variant %q is defined twice", u.TypeName, name)
		return
	}
	att := &expr.AttributeExpr{Type: dt, Description: desc, Pos: pos}
	if fn != nil {
		eval.Execute(fn, att)
	}
	if att.Type == nil {
		att.Type = expr.String
	}
	if _, ok := att.Type.(expr.UserType); !ok {
		inner := *att
		att = &expr.AttributeExpr{
			Type:        &expr.UserTypeExpr{AttributeExpr: &inner, TypeName: u.TypeName + upperFirst(name)},
			Description: desc,
			Pos:         pos,
		}
	}
	u.Values = append(u.Values, &expr.NamedAttributeExpr{Name: name, Attribute: att})
}

// Field is Attribute with a tag, for gRPC compatibility: Field(1, "message",
// String, "description"). Duplex records the tag in Meta "rpc:tag".
func Field(tag any, name string, args ...any) {
	fn := func() { Meta("rpc:tag", fmt.Sprintf("%v", tag)) }
	if len(args) > 0 {
		if d, ok := args[len(args)-1].(func()); ok {
			old := fn
			fn = func() { d(); old() }
			args = args[:len(args)-1]
		}
	}
	Attribute(name, append(args, fn)...)
}

// Attributes groups the attribute definitions of a ResultType (or Type).
func Attributes(fn func()) {
	switch e := eval.Current().(type) {
	case expr.UserType:
		eval.Execute(fn, e)
	case *expr.AttributeExpr:
		eval.Execute(fn, e)
	default:
		incompatible("Attributes", "a ResultType or Type")
	}
}

// Default sets the default value of an attribute. The value must be of the
// attribute's type (and in its Enum, if any).
func Default(def any) {
	a, ok := eval.Current().(*expr.AttributeExpr)
	if !ok {
		incompatible("Default", "an Attribute")
		return
	}
	a.DefaultValue = def
	a.SetDSLPos("Default", eval.Caller())
}

// Example adds an example value: Example(value) or Example(summary, value).
// The value may be a func() setting Value and Description.
func Example(args ...any) {
	if len(args) == 0 || len(args) > 2 {
		eval.ReportError("Example accepts (value) or (summary, value)")
		return
	}
	a, ok := eval.Current().(*expr.AttributeExpr)
	if !ok {
		if ut, isUT := eval.Current().(expr.UserType); isUT {
			a = ut.Attribute()
		} else {
			incompatible("Example", "an Attribute or a Type")
			return
		}
	}
	summary, arg := "default", args[0]
	if len(args) == 2 {
		s, ok := args[0].(string)
		if !ok {
			eval.ReportError("Example: the summary must be a string, got %#v", args[0])
			return
		}
		summary, arg = s, args[1]
	}
	ex := &expr.ExampleExpr{Summary: summary}
	if fn, ok := arg.(func()); ok {
		eval.Execute(fn, ex)
	} else {
		ex.Value = arg
	}
	if ex.Value == nil {
		eval.ReportError("example value is missing")
		return
	}
	a.UserExamples = append(a.UserExamples, ex)
}

// Value sets the value of an Example defined with a function.
func Value(val any) {
	ex, ok := eval.Current().(*expr.ExampleExpr)
	if !ok {
		incompatible("Value", "an Example")
		return
	}
	ex.Value = val
}

// Meta adds metadata to the current API, service, method, type, attribute,
// HTTP endpoint or security scheme.
func Meta(name string, value ...string) {
	var m *expr.MetaExpr
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		m = &e.Meta
	case *expr.ServiceExpr:
		m = &e.Meta
	case *expr.MethodExpr:
		m = &e.Meta
	case expr.UserType:
		if e.Attribute() == nil {
			break
		}
		m = &e.Attribute().Meta
	case *expr.AttributeExpr:
		m = &e.Meta
	case *expr.HTTPEndpointExpr:
		m = &e.Meta
	case *expr.SchemeExpr:
		m = &e.Meta
	}
	if m == nil {
		incompatible("Meta", "API, Service, Method, Type, Attribute, an HTTP block or a security scheme")
		return
	}
	if *m == nil {
		*m = expr.MetaExpr{}
	}
	(*m)[name] = append((*m)[name], value...)
}

// currentAttribute returns the attribute the current DSL defines, or nil.
func currentAttribute() *expr.AttributeExpr {
	switch e := eval.Current().(type) {
	case *expr.AttributeExpr:
		return e
	case expr.UserType:
		if isNilType(e) {
			return nil
		}
		return e.Attribute()
	}
	return nil
}

// parseAttributeArgs parses Goa's (type), (func), (type, desc),
// (type, func) and (type, desc, func) argument forms.
func parseAttributeArgs(what string, args ...any) (dt expr.DataType, desc string, fn func(), ok bool) {
	parseType := func(a any) bool {
		switch v := a.(type) {
		case string:
			ut := expr.Root.UserType(v)
			if ut == nil {
				eval.ReportError("%s: unknown type %q: declare it with Type or ResultType, or pass the type itself", what, v)
				return false
			}
			dt = ut
		case expr.DataType:
			if isNilType(v) {
				eval.ReportError("%s: the type is nil (is it declared after its use in a package variable?)", what)
				return false
			}
			dt = v
		default:
			eval.ReportError("%s: invalid type %#v: use a type such as String or a Type", what, a)
			return false
		}
		return true
	}
	parseFn := func(a any) bool {
		f, isFn := a.(func())
		if !isFn {
			return false
		}
		fn = f
		return true
	}
	switch len(args) {
	case 0:
	case 1:
		if !parseFn(args[0]) && !parseType(args[0]) {
			return nil, "", nil, false
		}
	case 2:
		if !parseType(args[0]) {
			return nil, "", nil, false
		}
		if !parseFn(args[1]) {
			d, isStr := args[1].(string)
			if !isStr {
				eval.ReportError("%s: invalid argument %#v: expected a description or a func()", what, args[1])
				return nil, "", nil, false
			}
			desc = d
		}
	case 3:
		if !parseType(args[0]) {
			return nil, "", nil, false
		}
		d, isStr := args[1].(string)
		if !isStr {
			eval.ReportError("%s: invalid argument %#v: expected a description", what, args[1])
			return nil, "", nil, false
		}
		desc = d
		if !parseFn(args[2]) {
			eval.ReportError("%s: invalid argument %#v: expected a func()", what, args[2])
			return nil, "", nil, false
		}
	default:
		eval.ReportError("%s: too many arguments", what)
		return nil, "", nil, false
	}
	return dt, desc, fn, true
}

// isNilType reports whether dt is nil or a nil pointer.
func isNilType(dt expr.DataType) bool {
	switch t := dt.(type) {
	case nil:
		return true
	case *expr.UserTypeExpr:
		return t == nil || t.AttributeExpr == nil
	case *expr.ResultTypeExpr:
		return t == nil || t.UserTypeExpr == nil || t.AttributeExpr == nil
	case *expr.Array:
		return t == nil
	case *expr.Map:
		return t == nil
	case *expr.Object:
		return t == nil
	}
	return false
}

func quote(s string) string { return strconv.Quote(s) }

// upperFirst returns s with its first letter in upper case, as Goa's
// expr.Title does for the names of union variant types.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
