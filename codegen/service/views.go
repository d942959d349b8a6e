package service

import (
	"fmt"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// viewedType returns the viewed form of a result type, adding it (and the
// one of a collection's element) to the service.
//
// Goa puts viewed result types in a views sub-package; Duplex keeps them in
// the service package (Viewed<Type> holding a <Type>View), so that projected
// values can reference the service's own types without an import cycle. The
// projected value is what transports encode: its fields are tagged with the
// attribute names and the attributes outside the view are nil and omitted.
func (b *builder) viewedType(rt *expr.ResultTypeExpr) *viewedData {
	name := codegen.GoTypeName(rt)
	if vd, ok := b.viewed[name]; ok {
		return vd
	}
	b.collect(rt, "")
	vd := &viewedData{
		Name:       name,
		Ref:        codegen.GoTypeRef(rt, ""),
		ViewedName: "Viewed" + name,
		ViewName:   name + "View",
		Default:    expr.DefaultView,
	}
	b.viewed[name] = vd
	if rt.View(expr.DefaultView) == nil && len(rt.Views) > 0 {
		vd.Default = rt.Views[0].Name
	}
	if arr := expr.AsArray(rt); arr != nil {
		elem, ok := arr.ElemType.Type.(*expr.ResultTypeExpr)
		if !ok {
			return vd
		}
		ed := b.viewedType(elem)
		vd.Collection = ed
		vd.ProjRef = vd.ViewName
		vd.ProjDef = "[]" + ed.ProjRef
		for _, v := range rt.Views {
			vd.Views = append(vd.Views, &viewData{Name: v.Name})
		}
		return vd
	}
	obj := expr.AsObject(rt)
	if obj == nil {
		return vd
	}
	vd.ProjRef = "*" + vd.ViewName
	att := rt.Attribute()
	var def strings.Builder
	def.WriteString("struct {\n")
	var toRes strings.Builder
	for _, nat := range *obj {
		f := codegen.GoFieldName(nat.Name)
		ref := codegen.GoFieldRef(att, nat.Name, "")
		byValue := codegen.IsPrimitiveValue(nat.Attribute.Type) && !codegen.IsPointerField(att, nat.Name)
		if byValue {
			ref = "*" + ref
			fmt.Fprintf(&toRes, "if p.%s != nil {\nres.%s = *p.%s\n}\n", f, f, f)
		} else {
			fmt.Fprintf(&toRes, "res.%s = p.%s\n", f, f)
		}
		if c := codegen.Comment(nat.Attribute.Description); c != "" {
			def.WriteString(c + "\n")
		}
		fmt.Fprintf(&def, "%s %s `json:%q`\n", f, ref, nat.Name+",omitempty")
	}
	def.WriteString("}")
	vd.ProjDef = def.String()
	vd.ToResult = strings.TrimSuffix(toRes.String(), "\n")
	for _, v := range rt.Views {
		var lit strings.Builder
		fmt.Fprintf(&lit, "&%s{\n", vd.ViewName)
		for _, n := range viewAttributes(v) {
			if obj.Attribute(n) == nil {
				continue
			}
			f := codegen.GoFieldName(n)
			if codegen.IsPrimitiveValue(obj.Attribute(n).Type) && !codegen.IsPointerField(att, n) {
				fmt.Fprintf(&lit, "%s: &res.%s,\n", f, f)
			} else {
				fmt.Fprintf(&lit, "%s: res.%s,\n", f, f)
			}
		}
		lit.WriteString("}")
		vd.Views = append(vd.Views, &viewData{Name: v.Name, Project: lit.String()})
	}
	return vd
}

// viewAttributes returns the names of the attributes a view renders.
func viewAttributes(v *expr.ViewExpr) []string {
	if v.AttributeExpr == nil {
		return nil
	}
	return expr.AsObject(v.Type).Names()
}
