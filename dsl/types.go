package dsl

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// The primitive types.
const (
	// Boolean is the type for true and false.
	Boolean = expr.Boolean
	// Int is a signed integer of the platform's size (int).
	Int = expr.Int
	// Int32 is a 32-bit signed integer.
	Int32 = expr.Int32
	// Int64 is a 64-bit signed integer.
	Int64 = expr.Int64
	// UInt is an unsigned integer of the platform's size (uint).
	UInt = expr.UInt
	// UInt32 is a 32-bit unsigned integer.
	UInt32 = expr.UInt32
	// UInt64 is a 64-bit unsigned integer.
	UInt64 = expr.UInt64
	// Float32 is a 32-bit floating point number.
	Float32 = expr.Float32
	// Float64 is a 64-bit floating point number.
	Float64 = expr.Float64
	// String is a UTF-8 string.
	String = expr.String
	// Bytes is a byte slice (base64 in JSON).
	Bytes = expr.Bytes
	// Any is any value.
	Any = expr.Any
)

// Empty is the type with no attribute, for methods with no payload or no
// result.
var Empty = expr.Empty

// Type declares a user type: Type(name, func()), Type(name, type) or
// Type(name, type, func()). It must appear at the top level.
//
//	var Message = Type("Message", func() {
//		Attribute("text", String)
//		Required("text")
//	})
func Type(name string, args ...any) expr.UserType {
	pos := eval.Caller()
	ut := &expr.UserTypeExpr{TypeName: name, AttributeExpr: &expr.AttributeExpr{Pos: pos}}
	if !atTopLevel("Type") {
		return ut
	}
	if name == "" {
		eval.ReportError("Type name cannot be empty")
		return ut
	}
	if prev := expr.Root.UserType(name); prev != nil {
		eval.ReportError("type %q is defined twice (first at %s): rename one", name, prev.Attribute().Pos)
		return ut
	}
	var (
		dt expr.DataType
		fn func()
	)
	switch len(args) {
	case 0:
	case 1:
		if f, ok := args[0].(func()); ok {
			fn = f
		} else {
			dt, _ = args[0].(expr.DataType)
			if dt == nil || isNilType(dt) {
				eval.ReportError("Type %q: invalid argument %#v: use a func() or a type", name, args[0])
				return ut
			}
		}
	case 2:
		dt, _ = args[0].(expr.DataType)
		f, ok := args[1].(func())
		if dt == nil || isNilType(dt) || !ok {
			eval.ReportError("Type %q: invalid arguments: use (name, func()), (name, type) or (name, type, func())", name)
			return ut
		}
		fn = f
	default:
		eval.ReportError("Type %q: too many arguments", name)
		return ut
	}
	if dt != nil {
		if base, ok := dt.(expr.UserType); ok {
			dt = base.Attribute().Type
		}
		ut.Type = dt
	} else {
		ut.Type = &expr.Object{}
	}
	ut.DSLFunc = fn
	expr.Root.Types = append(expr.Root.Types, ut)
	return ut
}

// ArrayOf returns an array type of v (a type or a type name). The optional
// function adds validations to the elements.
func ArrayOf(v any, fn ...func()) *expr.Array {
	elem := typeArg("ArrayOf", v)
	arr := &expr.Array{ElemType: &expr.AttributeExpr{Type: elem, Pos: eval.Caller()}}
	if len(fn) > 0 && fn[0] != nil {
		eval.Execute(fn[0], arr.ElemType)
	}
	return arr
}

// MapOf returns a map type from k to v (types or type names). The optional
// function may use Key and Elem to add validations.
func MapOf(k, v any, fn ...func()) *expr.Map {
	pos := eval.Caller()
	m := &expr.Map{
		KeyType:  &expr.AttributeExpr{Type: typeArg("MapOf", k), Pos: pos},
		ElemType: &expr.AttributeExpr{Type: typeArg("MapOf", v), Pos: pos},
	}
	if len(fn) > 0 && fn[0] != nil {
		eval.Execute(fn[0], m)
	}
	return m
}

// Key adds validations to the keys of a MapOf.
func Key(fn func()) {
	m, ok := eval.Current().(*expr.Map)
	if !ok {
		incompatible("Key", "MapOf")
		return
	}
	eval.Execute(fn, m.KeyType)
}

// Elem adds validations to the values of a MapOf.
func Elem(fn func()) {
	m, ok := eval.Current().(*expr.Map)
	if !ok {
		incompatible("Elem", "MapOf")
		return
	}
	eval.Execute(fn, m.ElemType)
}

// typeArg resolves a type argument (a type or a type name), recording an
// error and returning String when it is invalid.
func typeArg(fn string, v any) expr.DataType {
	switch t := v.(type) {
	case string:
		if ut := expr.Root.UserType(t); ut != nil {
			return ut
		}
		eval.ReportError("%s: unknown type %q", fn, t)
	case expr.DataType:
		if !isNilType(t) {
			return t
		}
		eval.ReportError("%s: the type is nil (is it declared after its use in a package variable?)", fn)
	default:
		eval.ReportError("%s: invalid type %#v", fn, v)
	}
	return expr.String
}

// TypeName sets the name of the Type or ResultType being defined (the Go
// type name generated for it).
func TypeName(name string) {
	switch e := eval.Current().(type) {
	case *expr.ResultTypeExpr:
		e.TypeName = name
	case *expr.UserTypeExpr:
		e.TypeName = name
	default:
		incompatible("TypeName", "a Type or ResultType")
	}
}

// Extend copies the attributes of t (a type whose underlying type is an
// object) into the type or attribute being defined.
func Extend(t expr.DataType) {
	a := currentAttribute()
	if a == nil {
		incompatible("Extend", "a Type, ResultType or Attribute")
		return
	}
	if isNilType(t) || expr.AsObject(t) == nil {
		eval.ReportError("Extend: %v is not an object type", typeName(t))
		return
	}
	a.Bases = append(a.Bases, t)
	a.SetDSLPos("Extend", eval.Caller())
}

// Reference makes attributes declared by name only (Attribute("name")) take
// their type, description and validations from the attribute of the same
// name in t.
func Reference(t expr.DataType) {
	a := currentAttribute()
	if a == nil {
		incompatible("Reference", "a Type, ResultType or Attribute")
		return
	}
	if isNilType(t) || expr.AsObject(t) == nil {
		eval.ReportError("Reference: %v is not an object type", typeName(t))
		return
	}
	a.References = append(a.References, t)
}

func typeName(t expr.DataType) string {
	if isNilType(t) {
		return "nil"
	}
	return t.Name()
}

// ResultType declares a result type: a type with views, identified by a
// media type ("application/vnd.chat.event", type name "ChatEvent" unless
// given or set with TypeName). Forms: ResultType(id, func()),
// ResultType(id, typeName) and ResultType(id, typeName, func()). It must
// appear at the top level.
func ResultType(identifier string, args ...any) *expr.ResultTypeExpr {
	pos := eval.Caller()
	id, name, err := mediaTypeToResultType(identifier)
	rt := &expr.ResultTypeExpr{
		UserTypeExpr: &expr.UserTypeExpr{TypeName: name, AttributeExpr: &expr.AttributeExpr{Type: &expr.Object{}, Pos: pos}},
		Identifier:   id,
	}
	if !atTopLevel("ResultType") {
		return rt
	}
	if err != nil {
		eval.ReportError("invalid result type identifier %q: %v", identifier, err)
	}
	var fn func()
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if i != 0 {
				eval.ReportError("ResultType %q: the type name must be the second argument", identifier)
				continue
			}
			rt.TypeName = v
		case func():
			if i != len(args)-1 {
				eval.ReportError("ResultType %q: the DSL function must be the last argument", identifier)
				continue
			}
			fn = v
		default:
			eval.ReportError("ResultType %q: invalid argument %#v: use a type name or a func()", identifier, a)
		}
	}
	if len(args) > 2 {
		eval.ReportError("ResultType %q: too many arguments", identifier)
	}
	for _, other := range expr.Root.ResultTypes {
		if o, ok := other.(*expr.ResultTypeExpr); ok && o.Identifier == rt.Identifier {
			eval.ReportError("result type %q is defined twice (first at %s)", identifier, o.Pos)
			return rt
		}
	}
	rt.DSLFunc = fn
	expr.Root.ResultTypes = append(expr.Root.ResultTypes, rt)
	return rt
}

// mediaTypeToResultType returns the canonical identifier and the default
// type name of a result type identifier, like Goa.
func mediaTypeToResultType(identifier string) (string, string, error) {
	base, params, err := mime.ParseMediaType(identifier)
	if err != nil {
		base = "text/plain"
	}
	identifier = mime.FormatMediaType(base, params)
	last := identifier
	if i := strings.LastIndex(identifier, "/"); i > -1 {
		last = identifier[i+1:]
	}
	if i := strings.Index(last, "+"); i > 0 {
		last = last[:i]
	}
	if i := strings.Index(last, ";"); i > 0 {
		last = last[:i]
	}
	last = strings.TrimPrefix(last, "vnd.")
	// Title-case every word so the default name is a Go identifier
	// ("vnd.chat.room-event" -> "ChatRoomEvent"), as Goa's generated code
	// names it.
	var b strings.Builder
	for _, e := range strings.FieldsFunc(last, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(title(e))
	}
	name := b.String()
	if name == "" {
		name = "ResultType"
	}
	return identifier, name, err
}

func title(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// View defines a view of the ResultType being defined:
//
//	View("tiny", func() { Attribute("message") })
//
// Without a function, View selects the view used to render the current
// result or attribute (Result(Event, func() { View("tiny") })). Views exist
// only on result types: declare the type with ResultType to give it views.
func View(name string, adsl ...func()) {
	if len(adsl) == 0 {
		switch e := eval.Current().(type) {
		case *expr.ResultTypeExpr:
			Meta("view", name)
		case *expr.AttributeExpr:
			Meta("view", name)
			e.SetDSLPos("View", eval.Caller())
		case *expr.UserTypeExpr:
			viewOnType(name, e)
		default:
			incompatible("View", "a ResultType, Result or Attribute")
		}
		return
	}
	switch e := eval.Current().(type) {
	case *expr.ResultTypeExpr:
		if e.View(name) != nil {
			eval.ReportError("view %q is defined twice in result type %q: rename one", name, e.TypeName)
			return
		}
		v := &expr.ViewExpr{AttributeExpr: &expr.AttributeExpr{Type: &expr.Object{}, Pos: eval.Caller()}, Name: name, Parent: e}
		e.Views = append(e.Views, v)
		eval.Execute(adsl[0], v.AttributeExpr)
	case *expr.UserTypeExpr:
		viewOnType(name, e)
	default:
		incompatible("View", "a ResultType")
	}
}

// viewOnType records a View used in a Type; Validate reports it, naming
// the methods that use the type.
func viewOnType(name string, ut *expr.UserTypeExpr) {
	ut.SetDSLPos("View:"+name, eval.Caller())
}

// CollectionOf returns the result type of a collection of v (a result type
// or its identifier), with the same views. The optional function may
// select a view.
func CollectionOf(v any, adsl ...func()) *expr.ResultTypeExpr {
	var elem *expr.ResultTypeExpr
	switch t := v.(type) {
	case *expr.ResultTypeExpr:
		if t != nil && t.UserTypeExpr != nil {
			elem = t
		}
	case string:
		for _, ut := range expr.Root.ResultTypes {
			if rt, ok := ut.(*expr.ResultTypeExpr); ok && (rt.Identifier == t || rt.TypeName == t) {
				elem = rt
			}
		}
	}
	pos := eval.Caller()
	if elem == nil {
		eval.ReportError("CollectionOf: %#v is not a result type: declare it with ResultType", v)
		return &expr.ResultTypeExpr{UserTypeExpr: &expr.UserTypeExpr{TypeName: "InvalidCollection", AttributeExpr: &expr.AttributeExpr{Type: &expr.Array{ElemType: &expr.AttributeExpr{Type: expr.String}}, Pos: pos}}}
	}
	name := elem.TypeName + "Collection"
	id := collectionIdentifier(elem.Identifier)
	for _, ut := range expr.Root.ResultTypes {
		if rt, ok := ut.(*expr.ResultTypeExpr); ok && rt.Identifier == id && len(adsl) == 0 {
			return rt
		}
	}
	rt := &expr.ResultTypeExpr{
		UserTypeExpr: &expr.UserTypeExpr{
			TypeName:      name,
			AttributeExpr: &expr.AttributeExpr{Type: &expr.Array{ElemType: &expr.AttributeExpr{Type: elem, Pos: pos}}, Pos: pos},
		},
		Identifier: id,
	}
	if len(adsl) > 0 {
		rt.DSLFunc = adsl[0]
	}
	expr.Root.ResultTypes = append(expr.Root.ResultTypes, rt)
	return rt
}

func collectionIdentifier(id string) string {
	base, params, err := mime.ParseMediaType(id)
	if err != nil {
		return id + "; type=collection"
	}
	if params == nil {
		params = map[string]string{}
	}
	params["type"] = "collection"
	return mime.FormatMediaType(base, params)
}
