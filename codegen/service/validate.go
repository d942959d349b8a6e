package service

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// validator writes the statements of a validation function. Every check
// merges its error into err with duplex.MergeErrors, so one call reports every
// problem of a value.
type validator struct {
	b     strings.Builder
	depth int // nesting of range loops, for fresh variable names
}

func (v *validator) String() string { return v.b.String() }

func (v *validator) line(format string, args ...any) {
	fmt.Fprintf(&v.b, format+"\n", args...)
}

func (v *validator) merge(expr string) {
	v.line("err = duplex.MergeErrors(err, %s)", expr)
}

// object writes the checks of the object att held (through a pointer or by
// value) in target; path is the attribute path ("author.name") used in error
// messages and context the name of the enclosing type.
func (v *validator) object(att *expr.AttributeExpr, target, path, context string) {
	obj := expr.AsObject(att.Type)
	if obj == nil {
		return
	}
	parent := context
	if path != "" {
		parent = context + "." + path
	}
	for _, nat := range *obj {
		field := target + "." + codegen.GoFieldName(nat.Name)
		if att.IsRequired(nat.Name) && nilable(att, nat.Name) {
			v.line("if %s == nil {", field)
			v.merge(fmt.Sprintf("duplex.MissingFieldError(%q, %q)", nat.Name, parent))
			v.line("}")
		}
		if att.IsRequired(nat.Name) && expr.AsUnion(nat.Attribute.Type) != nil {
			v.line("if %s.Kind() == \"\" {", field)
			v.merge(fmt.Sprintf("duplex.MissingFieldError(%q, %q)", nat.Name, parent))
			v.line("}")
		}
	}
	for _, nat := range *obj {
		field := target + "." + codegen.GoFieldName(nat.Name)
		sub := &validator{depth: v.depth}
		a := nat.Attribute
		if codegen.IsPointerField(att, nat.Name) && !codegen.IsStruct(a.Type) {
			sub.value(a, "*"+field, join(path, nat.Name), context)
		} else {
			sub.value(a, field, join(path, nat.Name), context)
		}
		if sub.b.Len() == 0 {
			continue
		}
		if nilable(att, nat.Name) && (codegen.IsPointerField(att, nat.Name) || codegen.IsStruct(a.Type)) {
			v.line("if %s != nil {", field)
			v.b.WriteString(sub.String())
			v.line("}")
			continue
		}
		v.b.WriteString(sub.String())
	}
}

// nilable reports whether the field of attribute name can be nil.
func nilable(parent *expr.AttributeExpr, name string) bool {
	a := parent.Find(name)
	if a == nil {
		return false
	}
	if codegen.IsPointerField(parent, name) {
		return true
	}
	switch u := expr.Underlying(a.Type).(type) {
	case *expr.Array, *expr.Map:
		return true
	case expr.Primitive:
		return u == expr.Bytes || u == expr.Any
	}
	return false
}

// value writes the checks of the value of att held in target (a value, or a
// pointer for structs).
func (v *validator) value(att *expr.AttributeExpr, target, path, context string) {
	if att == nil {
		return
	}
	switch t := att.Type.(type) {
	case expr.UserType:
		if codegen.IsStruct(t) {
			v.merge(fmt.Sprintf("Validate%s(%s)", codegen.GoTypeName(t), target))
			return
		}
		v.checks(att.Validation, t, target, path)
		v.value(t.Attribute(), target, path, context)
		return
	case *expr.Object:
		v.object(att, target, path, context)
		return
	case *expr.Union:
		v.unionChecks(t, target, path, context)
		return
	}
	v.checks(att.Validation, att.Type, target, path)
	var elem *expr.AttributeExpr
	switch t := att.Type.(type) {
	case *expr.Array:
		elem = t.ElemType
	case *expr.Map:
		elem = t.ElemType
	default:
		return
	}
	e := "e" + strconv.Itoa(v.depth)
	sub := &validator{depth: v.depth + 1}
	sub.value(elem, e, path+"[*]", context)
	if sub.b.Len() == 0 {
		return
	}
	v.line("for _, %s := range %s {", e, target)
	if elem != nil && codegen.IsStruct(elem.Type) {
		if _, anon := elem.Type.(*expr.Object); !anon {
			v.line("if %s != nil {", e)
			v.b.WriteString(sub.String())
			v.line("}")
			v.line("}")
			return
		}
	}
	v.b.WriteString(sub.String())
	v.line("}")
}

// checks writes the checks of one validation on the value target of type dt.
func (v *validator) checks(val *expr.ValidationExpr, dt expr.DataType, target, path string) {
	if val == nil {
		return
	}
	under := expr.Underlying(dt)
	str := under == expr.String
	if len(val.Values) > 0 {
		conds := make([]string, len(val.Values))
		lits := make([]string, len(val.Values))
		for i, x := range val.Values {
			lits[i] = codegen.GoLiteral(x, under, "")
			conds[i] = target + " == " + lits[i]
		}
		if _, scalar := under.(expr.Primitive); scalar && under != expr.Bytes && under != expr.Any {
			v.line("if !(%s) {", strings.Join(conds, " || "))
			v.merge(fmt.Sprintf("duplex.InvalidEnumValueError(%q, %s, []any{%s})", path, target, strings.Join(lits, ", ")))
			v.line("}")
		}
	}
	if val.Format != "" && str {
		v.merge(fmt.Sprintf("duplex.ValidateFormat(%q, string(%s), %s)", path, target, formatConst(val.Format)))
	}
	if val.Pattern != "" && str {
		v.merge(fmt.Sprintf("duplex.ValidatePattern(%q, string(%s), %q)", path, target, val.Pattern))
	}
	if p, ok := under.(expr.Primitive); ok && p.IsNumeric() {
		isInt := p != expr.Float32 && p != expr.Float64
		bound := func(f *float64, exclusive, min bool) {
			if f == nil {
				return
			}
			op := "<"
			if !min {
				op = ">"
			}
			if exclusive {
				op += "="
			}
			lit := strconv.FormatFloat(*f, 'g', -1, 64)
			if isInt {
				n := *f
				if min {
					n = math.Ceil(n)
				} else {
					n = math.Floor(n)
				}
				lit = strconv.FormatInt(int64(n), 10)
			}
			if strings.HasPrefix(p.Name(), "uint") && strings.HasPrefix(lit, "-") {
				return // an unsigned value is never below a negative bound
			}
			v.line("if %s %s %s {", target, op, lit)
			v.merge(fmt.Sprintf("duplex.InvalidRangeError(%q, %s, %s, %t)", path, target, lit, min))
			v.line("}")
		}
		bound(val.Minimum, false, true)
		bound(val.ExclusiveMinimum, true, true)
		bound(val.Maximum, false, false)
		bound(val.ExclusiveMaximum, true, false)
	}
	length := ""
	switch {
	case str:
		length = "utf8.RuneCountInString(string(" + target + "))"
	case under == expr.Bytes || expr.AsArray(under) != nil || expr.AsMap(under) != nil:
		length = "len(" + target + ")"
	}
	if length == "" {
		return
	}
	if val.MinLength != nil {
		v.line("if %s < %d {", length, *val.MinLength)
		v.merge(fmt.Sprintf("duplex.InvalidLengthError(%q, %s, %s, %d, true)", path, target, length, *val.MinLength))
		v.line("}")
	}
	if val.MaxLength != nil {
		v.line("if %s > %d {", length, *val.MaxLength)
		v.merge(fmt.Sprintf("duplex.InvalidLengthError(%q, %s, %s, %d, false)", path, target, length, *val.MaxLength))
		v.line("}")
	}
}

// formatConst returns the duplex constant of a design format.
func formatConst(f expr.ValidationFormat) string {
	switch f {
	case expr.FormatDate:
		return "duplex.FormatDate"
	case expr.FormatDateTime:
		return "duplex.FormatDateTime"
	case expr.FormatUUID:
		return "duplex.FormatUUID"
	case expr.FormatEmail:
		return "duplex.FormatEmail"
	case expr.FormatHostname:
		return "duplex.FormatHostname"
	case expr.FormatIPv4:
		return "duplex.FormatIPv4"
	case expr.FormatIPv6:
		return "duplex.FormatIPv6"
	case expr.FormatIP:
		return "duplex.FormatIP"
	case expr.FormatURI:
		return "duplex.FormatURI"
	case expr.FormatMAC:
		return "duplex.FormatMAC"
	case expr.FormatCIDR:
		return "duplex.FormatCIDR"
	case expr.FormatRegexp:
		return "duplex.FormatRegexp"
	case expr.FormatJSON:
		return "duplex.FormatJSON"
	case expr.FormatRFC1123:
		return "duplex.FormatRFC1123"
	}
	return fmt.Sprintf("duplex.Format(%q)", f)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
