package openapi

import (
	"fmt"
	"slices"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// schemas collects the JSON Schemas of the user types and anonymous method
// types a document refers to, under components/schemas.
type schemas struct {
	defs   *object
	byType map[expr.UserType]string
	byAtt  map[*expr.AttributeExpr]string
	owner  map[string]any // name -> the type or attribute it was given to
	// stringDiscriminator writes a union's discriminator as AsyncAPI's
	// Schema Object does (the property name), not as OpenAPI's object.
	stringDiscriminator bool
}

func newSchemas() *schemas {
	return &schemas{
		defs:   obj(),
		byType: map[expr.UserType]string{},
		byAtt:  map[*expr.AttributeExpr]string{},
		owner:  map[string]any{},
	}
}

func ref(name string) *object { return obj("$ref", "#/components/schemas/"+name) }

// method returns the schema of a method value (Payload, StreamingPayload or
// Result): a reference to its user type, or to a schema named
// "<Method><suffix>" for an anonymous object (the service package's type
// name), or the inline schema of a primitive, array or map.
func (s *schemas) method(m *expr.MethodExpr, att *expr.AttributeExpr, suffix string) *object {
	if _, anon := att.Type.(*expr.Object); anon {
		return s.named(codegen.MethodTypeName(m, suffix), m.Service.Name, att)
	}
	return s.schema(att)
}

// named registers the object attribute att under name (prefixed with the
// service name when another service took it) and returns a reference.
func (s *schemas) named(name, service string, att *expr.AttributeExpr) *object {
	if n, ok := s.byAtt[att]; ok {
		return ref(n)
	}
	if o, taken := s.owner[name]; taken && o != att {
		name = codegen.Goify(service, true) + name
	}
	s.byAtt[att] = name
	s.owner[name] = att
	s.defs.set(name, obj()) // reserve the position
	s.defs.set(name, s.inline(att, nil))
	return ref(name)
}

// schema returns the schema of att: a reference for user types, the inline
// schema otherwise, with att's validations, description and default.
func (s *schemas) schema(att *expr.AttributeExpr) *object {
	if ut, ok := att.Type.(expr.UserType); ok && !expr.IsEmpty(att.Type) {
		name, known := s.byType[ut]
		if !known {
			name = codegen.GoTypeName(ut)
			if o, taken := s.owner[name]; taken && o != ut {
				name = name + "Type"
			}
			s.byType[ut] = name
			s.owner[name] = ut
			s.defs.set(name, obj()) // reserve the position: types may be recursive
			s.defs.set(name, s.inline(ut.Attribute(), expr.RenderedByEveryView(ut)))
		}
		return ref(name)
	}
	return s.inline(att, nil)
}

// inline returns the schema of att without naming it. keepRequired, when
// not nil, restricts the required list (see expr.RenderedByEveryView).
func (s *schemas) inline(att *expr.AttributeExpr, keepRequired func(string) bool) *object {
	sc := obj()
	switch t := att.Type.(type) {
	case expr.Primitive:
		primitive(sc, t)
	case *expr.Array:
		sc.set("type", "array").set("items", s.schema(t.ElemType))
	case *expr.Map:
		sc.set("type", "object").set("additionalProperties", s.schema(t.ElemType))
	case *expr.Object:
		sc.set("type", "object")
		props := obj()
		for _, na := range *t {
			props.set(na.Name, s.schema(na.Attribute))
		}
		if props.len() > 0 {
			sc.set("properties", props)
		}
		var req []any
		for _, r := range att.AllRequired() {
			if t.Attribute(r) != nil && (keepRequired == nil || keepRequired(r)) {
				req = append(req, r)
			}
		}
		sc.set("required", req)
	case *expr.Union:
		s.union(sc, t)
	case expr.UserType:
		if expr.IsEmpty(t) {
			sc.set("type", "object")
		} else {
			return s.schema(att)
		}
	}
	sc.set("description", att.Description)
	validations(sc, att)
	if att.DefaultValue != nil {
		sc.set("default", att.DefaultValue)
	}
	var examples []any
	for _, ex := range att.UserExamples {
		examples = append(examples, ex.Value)
	}
	sc.set("examples", examples)
	return sc
}

func primitive(sc *object, p expr.Primitive) {
	switch p {
	case expr.Boolean:
		sc.set("type", "boolean")
	case expr.Int, expr.Int64:
		sc.set("type", "integer").set("format", "int64")
	case expr.Int32:
		sc.set("type", "integer").set("format", "int32")
	case expr.UInt, expr.UInt64:
		sc.set("type", "integer").set("format", "uint64").set("minimum", 0)
	case expr.UInt32:
		sc.set("type", "integer").set("format", "uint32").set("minimum", 0).set("maximum", 4294967295)
	case expr.Float32:
		sc.set("type", "number").set("format", "float")
	case expr.Float64:
		sc.set("type", "number").set("format", "double")
	case expr.String:
		sc.set("type", "string")
	case expr.Bytes:
		sc.set("type", "string").set("format", "byte")
	case expr.Any:
		// Any value: the empty schema.
	}
}

// validations copies the design's validations of att into sc: lengths
// become minLength/maxLength on strings and minItems/maxItems on arrays and
// maps (minProperties/maxProperties).
func validations(sc *object, att *expr.AttributeExpr) {
	v := att.Validation
	if v == nil {
		return
	}
	if len(v.Values) > 0 {
		sc.set("enum", slices.Clone(v.Values))
	}
	if v.Format != "" {
		f := string(v.Format)
		if v.Format == expr.FormatRegexp {
			f = "regex"
		}
		sc.set("format", f)
	}
	sc.set("pattern", v.Pattern)
	if v.Minimum != nil {
		sc.set("minimum", *v.Minimum)
	}
	if v.Maximum != nil {
		sc.set("maximum", *v.Maximum)
	}
	if v.ExclusiveMinimum != nil {
		sc.set("exclusiveMinimum", *v.ExclusiveMinimum)
	}
	if v.ExclusiveMaximum != nil {
		sc.set("exclusiveMaximum", *v.ExclusiveMaximum)
	}
	minKey, maxKey := "minLength", "maxLength"
	switch expr.Underlying(att.Type).(type) {
	case *expr.Array:
		minKey, maxKey = "minItems", "maxItems"
	case *expr.Map:
		minKey, maxKey = "minProperties", "maxProperties"
	}
	if v.MinLength != nil {
		sc.set(minKey, *v.MinLength)
	}
	if v.MaxLength != nil {
		sc.set(maxKey, *v.MaxLength)
	}
}

// union writes the schema of a OneOf: one of its variants, each a named
// object schema {"<type key>": <variant name>, "<value key>": <variant
// value>}, with a discriminator on the type key naming them, which is Goa's
// wire.
func (s *schemas) union(sc *object, u *expr.Union) {
	typeKey, valueKey := u.GetTypeKey(), u.GetValueKey()
	var alts []any
	mapping := obj()
	for _, nat := range u.Values {
		name := codegen.GoUnionName(u) + codegen.Goify(nat.Name, true) + "Variant"
		if o, taken := s.owner[name]; taken && o != nat.Attribute {
			name += "Of" + codegen.Goify(u.TypeName, true)
		}
		if _, known := s.owner[name]; !known {
			s.owner[name] = nat.Attribute
			s.defs.set(name, obj()) // reserve the position: types may be recursive
			s.defs.set(name, obj(
				"type", "object",
				"description", fmt.Sprintf("The %q variant of %s.", nat.Name, u.TypeName),
				"properties", obj(typeKey, obj("type", "string", "const", nat.Name), valueKey, s.schema(nat.Attribute)),
				"required", []any{typeKey, valueKey},
			))
		}
		alts = append(alts, ref(name))
		mapping.set(nat.Name, "#/components/schemas/"+name)
	}
	sc.set("oneOf", alts)
	if s.stringDiscriminator {
		sc.set("discriminator", typeKey)
		return
	}
	sc.set("discriminator", obj("propertyName", typeKey, "mapping", mapping))
}
