package codegen

import (
	"strconv"
	"strings"

	"duplex.dev/expr"
)

// GoTypeName returns the Go name of a user type or result type: its design
// name goified ("chat_event" -> "ChatEvent").
func GoTypeName(ut expr.UserType) string { return Goify(ut.Name(), true) }

// GoUnionName returns the Go name of the sum type of a OneOf: its name
// goified ("event" -> "Event"), as Goa names it.
func GoUnionName(u *expr.Union) string { return Goify(u.TypeName, true) }

// GoTypeRef returns the Go type of a value of dt as generated code writes it:
// "string", "[]byte", "any", "[]*chat.Event", "map[string]int". User types
// are qualified with pkg when pkg is not empty; user types whose underlying
// type is an object are referenced through a pointer, as Goa does. An
// anonymous object is an inline struct type.
func GoTypeRef(dt expr.DataType, pkg string) string {
	switch t := dt.(type) {
	case nil:
		return "any"
	case expr.Primitive:
		return primitiveRef(t)
	case *expr.Array:
		return "[]" + attRef(t.ElemType, pkg)
	case *expr.Map:
		return "map[" + attRef(t.KeyType, pkg) + "]" + attRef(t.ElemType, pkg)
	case *expr.Object:
		return GoStructDef(&expr.AttributeExpr{Type: t}, pkg)
	case *expr.Union:
		name := GoUnionName(t)
		if pkg != "" {
			name = pkg + "." + name
		}
		return name
	case expr.UserType:
		name := GoTypeName(t)
		if pkg != "" {
			name = pkg + "." + name
		}
		if IsStruct(t) {
			return "*" + name
		}
		return name
	}
	return "any"
}

// attRef is GoTypeRef of an attribute's type; an anonymous object keeps the
// attribute's validations (which fields are required).
func attRef(att *expr.AttributeExpr, pkg string) string {
	if att == nil {
		return "any"
	}
	if _, anon := att.Type.(*expr.Object); anon {
		return GoStructDef(att, pkg)
	}
	return GoTypeRef(att.Type, pkg)
}

// IsStruct reports whether dt is generated as a Go struct: an object or a user
// type whose underlying type is an object.
func IsStruct(dt expr.DataType) bool { return expr.AsObject(dt) != nil }

// IsPointerField reports whether the attribute name of the object parent is
// generated as a pointer field: an optional primitive (other than bytes and
// any) without a default value, or an object (named or anonymous). These are
// Goa's rules for service types.
func IsPointerField(parent *expr.AttributeExpr, name string) bool {
	att := parent.Find(name)
	if att == nil {
		return false
	}
	if IsStruct(att.Type) {
		return true
	}
	return IsPrimitiveValue(att.Type) && !parent.IsRequired(name) && !att.HasDefaultValue()
}

// IsPrimitiveValue reports whether dt is a primitive that Go holds by value
// (not bytes and not any), including user types defined as such a primitive.
func IsPrimitiveValue(dt expr.DataType) bool {
	p, ok := expr.Underlying(dt).(expr.Primitive)
	return ok && p != expr.Bytes && p != expr.Any
}

// GoFieldRef returns the Go type of the field generated for attribute name of
// the object parent: GoTypeRef with a pointer for the optional primitives of
// IsPointerField ("*string").
func GoFieldRef(parent *expr.AttributeExpr, name, pkg string) string {
	att := parent.Find(name)
	if att == nil {
		return "any"
	}
	ref := attRef(att, pkg)
	if _, anon := att.Type.(*expr.Object); anon || (IsPointerField(parent, name) && !IsStruct(att.Type)) {
		return "*" + ref
	}
	return ref
}

// GoFieldName returns the Go name of the field generated for an attribute.
func GoFieldName(name string) string { return Goify(name, true) }

// GoStructDef returns the Go struct type of an object attribute: one field per
// attribute, in design order, documented with the attribute description and
// tagged with the attribute name for JSON ("omitempty" for optional
// attributes without default value).
func GoStructDef(att *expr.AttributeExpr, pkg string) string {
	obj := expr.AsObject(att.Type)
	if obj == nil || len(*obj) == 0 {
		return "struct{}"
	}
	var b strings.Builder
	b.WriteString("struct {\n")
	for _, nat := range *obj {
		if c := Comment(nat.Attribute.Description); c != "" {
			b.WriteString(c + "\n")
		}
		tag := nat.Name
		if !att.IsRequired(nat.Name) && !nat.Attribute.HasDefaultValue() {
			tag += ",omitempty"
		}
		b.WriteString(GoFieldName(nat.Name) + " " + GoFieldRef(att, nat.Name, pkg) + " `json:" + strconv.Quote(tag) + "`\n")
	}
	b.WriteString("}")
	return b.String()
}

// GoTypeDef returns the Go definition of a user type, what follows
// "type Name ": a struct for objects, the Go type otherwise ("[]string").
func GoTypeDef(ut expr.UserType, pkg string) string {
	att := ut.Attribute()
	if IsStruct(ut) {
		return GoStructDef(att, pkg)
	}
	return GoTypeRef(att.Type, pkg)
}

// GoLiteral returns the Go literal of a design value (default value, enum
// value) for the type dt: strings are quoted, numbers written as Go reads them
// for the type, and arrays and maps written as composite literals.
func GoLiteral(v any, dt expr.DataType, pkg string) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return formatFloat(float64(x), dt)
	case float64:
		return formatFloat(x, dt)
	case []any:
		var elem expr.DataType
		if a := expr.AsArray(dt); a != nil {
			elem = attType(a.ElemType)
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = GoLiteral(e, elem, pkg)
		}
		return GoTypeRef(dt, pkg) + "{" + strings.Join(parts, ", ") + "}"
	}
	return fmtAny(v) // integers of every Go type
}

func formatFloat(f float64, dt expr.DataType) string {
	p, _ := expr.Underlying(dt).(expr.Primitive)
	if p != expr.Float32 && p != expr.Float64 && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if p == expr.Float32 || p == expr.Float64 {
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
	}
	return s
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	}
	return "nil"
}

func attType(att *expr.AttributeExpr) expr.DataType {
	if att == nil {
		return nil
	}
	return att.Type
}

func primitiveRef(p expr.Primitive) string {
	switch p {
	case expr.Boolean:
		return "bool"
	case expr.Int:
		return "int"
	case expr.Int32:
		return "int32"
	case expr.Int64:
		return "int64"
	case expr.UInt:
		return "uint"
	case expr.UInt32:
		return "uint32"
	case expr.UInt64:
		return "uint64"
	case expr.Float32:
		return "float32"
	case expr.Float64:
		return "float64"
	case expr.String:
		return "string"
	case expr.Bytes:
		return "[]byte"
	}
	return "any"
}

// MethodTypeRef returns the Go type of one of the values of a method, as the
// service package names it, qualified with pkg when not empty: att is the
// method's Payload, StreamingPayload or Result and suffix is "Payload",
// "StreamingPayload" or "Result" respectively. An anonymous object is named
// after the method ("CountPayload"); Empty (no value) gives "".
func MethodTypeRef(m *expr.MethodExpr, att *expr.AttributeExpr, suffix, pkg string) string {
	if att == nil || expr.IsEmpty(att.Type) {
		return ""
	}
	if _, anon := att.Type.(*expr.Object); anon {
		name := MethodTypeName(m, suffix)
		if pkg != "" {
			name = pkg + "." + name
		}
		return "*" + name
	}
	return GoTypeRef(att.Type, pkg)
}

// MethodTypeName returns the name of the type generated for the anonymous
// object of a method value: "<Method><suffix>", e.g. "CountPayload".
func MethodTypeName(m *expr.MethodExpr, suffix string) string {
	return Goify(m.Name, true) + suffix
}
