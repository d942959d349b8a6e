package service

import (
	"fmt"
	"strconv"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// The service types hold required primitives by value, as Goa's do, so a
// value cannot tell a missing attribute from its zero value and Validate<Name>
// cannot report it. The generated UnmarshalJSON of a struct type decodes into
// a shadow of the type: a struct embedding the type's fields, with override
// fields (same JSON names, so encoding/json prefers them) that hold the
// required primitives through pointers. Anonymous objects have no method of
// their own, so the override fields also shadow the anonymous objects
// (directly or in arrays and maps) that hold required primitives; named
// types nested anywhere check themselves with their own UnmarshalJSON.

// presence builds the shadow fields and the conversion statements of the
// UnmarshalJSON of the struct type name whose attribute is att; skip lists
// the attributes that never travel in JSON. It returns no field when the
// type has nothing to check.
func presence(name string, att *expr.AttributeExpr, skip map[string]bool) ([]*shadowField, string) {
	var fields []*shadowField
	c := &converter{}
	for _, nat := range *expr.AsObject(att.Type) {
		if skip[nat.Name] {
			continue
		}
		f := codegen.GoFieldName(nat.Name)
		switch {
		case byValueRequired(att, nat.Name):
			fields = append(fields, &shadowField{Name: nat.Name, Field: f, Ref: "*" + codegen.GoFieldRef(att, nat.Name, "")})
			c.required(nat.Name, "s."+f, "s.plain."+f, name)
		case needsShadow(nat.Attribute):
			fields = append(fields, &shadowField{Name: nat.Name, Field: f, Ref: shadowRef(nat.Attribute, true)})
			c.value(nat.Attribute, "s."+f, "s.plain."+f, name+"."+nat.Name, true)
		}
	}
	return fields, strings.TrimSuffix(c.b.String(), "\n")
}

// byValueRequired reports whether the attribute name of the object parent is
// required and held by value: its absence only shows while decoding.
func byValueRequired(parent *expr.AttributeExpr, name string) bool {
	return parent.IsRequired(name) && !nilable(parent, name)
}

// needsShadow reports whether a value of att holds, outside named types, an
// anonymous object with a required attribute held by value.
func needsShadow(att *expr.AttributeExpr) bool {
	if att == nil {
		return false
	}
	switch t := att.Type.(type) {
	case *expr.Object:
		for _, nat := range *t {
			if byValueRequired(att, nat.Name) || needsShadow(nat.Attribute) {
				return true
			}
		}
	case *expr.Array:
		return needsShadow(t.ElemType)
	case *expr.Map:
		return needsShadow(t.ElemType)
	}
	return false
}

// shadowRef returns the shadow Go type of a value of att (needsShadow):
// anonymous objects are pointers in fields and values in arrays and maps, as
// in the service types.
func shadowRef(att *expr.AttributeExpr, field bool) string {
	switch t := att.Type.(type) {
	case *expr.Object:
		var b strings.Builder
		if field {
			b.WriteString("*")
		}
		b.WriteString("struct {\n")
		for _, nat := range *t {
			ref := codegen.GoFieldRef(att, nat.Name, "")
			switch {
			case byValueRequired(att, nat.Name):
				ref = "*" + ref
			case needsShadow(nat.Attribute):
				ref = shadowRef(nat.Attribute, true)
			}
			fmt.Fprintf(&b, "%s %s `json:%q`\n", codegen.GoFieldName(nat.Name), ref, nat.Name)
		}
		b.WriteString("}")
		return b.String()
	case *expr.Array:
		return "[]" + shadowRef(t.ElemType, false)
	case *expr.Map:
		return "map[" + codegen.GoTypeRef(t.KeyType.Type, "") + "]" + shadowRef(t.ElemType, false)
	}
	return codegen.GoTypeRef(att.Type, "")
}

// converter writes the statements that copy shadow values into the values
// of the service types, merging a missing_field error into err for every
// required attribute the data lacked.
type converter struct {
	b     strings.Builder
	depth int // nesting of range loops, for fresh variable names
}

func (c *converter) line(format string, args ...any) {
	fmt.Fprintf(&c.b, format+"\n", args...)
}

// required copies the pointer src of a required attribute name into dst, or
// reports the attribute missing from context.
func (c *converter) required(name, src, dst, context string) {
	c.line("err = duplex.RequiredField(err, %s, &%s, %q, %q)", src, dst, name, context)
}

// value copies src, the shadow of a value of att (needsShadow), into dst;
// context names the value in error messages ("Item.owner"), field says
// whether an anonymous object is held through a pointer.
func (c *converter) value(att *expr.AttributeExpr, src, dst, context string, field bool) {
	switch t := att.Type.(type) {
	case *expr.Object:
		if field {
			c.line("if %s != nil {", src)
			c.line("%s = &%s{}", dst, codegen.GoStructDef(att, ""))
		}
		for _, nat := range *t {
			f := codegen.GoFieldName(nat.Name)
			switch {
			case byValueRequired(att, nat.Name):
				c.required(nat.Name, src+"."+f, dst+"."+f, context)
			case needsShadow(nat.Attribute):
				c.value(nat.Attribute, src+"."+f, dst+"."+f, context+"."+nat.Name, true)
			default:
				c.line("%s.%s = %s.%s", dst, f, src, f)
			}
		}
		if field {
			c.line("}")
		}
	case *expr.Array, *expr.Map:
		var elem *expr.AttributeExpr
		idx := "i" + strconv.Itoa(c.depth)
		if a, ok := t.(*expr.Array); ok {
			elem = a.ElemType
		} else {
			elem = t.(*expr.Map).ElemType
			idx = "k" + strconv.Itoa(c.depth)
		}
		e := "e" + strconv.Itoa(c.depth)
		d := "d" + strconv.Itoa(c.depth)
		c.line("if %s != nil {", src)
		c.line("%s = make(%s, len(%s))", dst, codegen.GoTypeRef(att.Type, ""), src)
		c.line("for %s, %s := range %s {", idx, e, src)
		c.line("var %s %s", d, attRef(elem))
		sub := &converter{depth: c.depth + 1}
		sub.value(elem, e, d, context+"[*]", false)
		c.b.WriteString(sub.b.String())
		c.line("%s[%s] = %s", dst, idx, d)
		c.line("}")
		c.line("}")
	}
}

// attRef is the Go type of a value of att as the service types hold it in
// arrays and maps.
func attRef(att *expr.AttributeExpr) string {
	if _, anon := att.Type.(*expr.Object); anon {
		return codegen.GoStructDef(att, "")
	}
	return codegen.GoTypeRef(att.Type, "")
}
