package tsgen

import (
	"slices"

	"duplex.dev/expr"
)

// schema is the validation rules of a type as the runtime's validate reads
// them (the Schema interface of duplex.ts).
type schema struct {
	Type      string             `json:"type,omitempty"`
	Ref       string             `json:"ref,omitempty"`
	Enum      []any              `json:"enum,omitempty"`
	Format    string             `json:"format,omitempty"`
	Pattern   string             `json:"pattern,omitempty"`
	Minimum   *float64           `json:"minimum,omitempty"`
	Maximum   *float64           `json:"maximum,omitempty"`
	MinLength *int               `json:"minLength,omitempty"`
	MaxLength *int               `json:"maxLength,omitempty"`
	Items     *schema            `json:"items,omitempty"`
	Values    *schema            `json:"values,omitempty"`
	Props     map[string]*schema `json:"props,omitempty"`
	Required  []string           `json:"required,omitempty"`
	// A union (OneOf): the JSON keys of the variant's name and value, and
	// the rules of each variant's value by name.
	TypeKey  string     `json:"typeKey,omitempty"`
	ValueKey string     `json:"valueKey,omitempty"`
	Variants []*variant `json:"variants,omitempty"`
}

// variant is one variant of a union's rules, in design order.
type variant struct {
	Name   string  `json:"name"`
	Schema *schema `json:"schema"`
}

// schema returns the rules of att; user types are references to their
// entry in the schemas table (declared on the way).
func (b *builder) schema(att *expr.AttributeExpr, keepRequired func(string) bool) *schema {
	s := &schema{}
	switch t := att.Type.(type) {
	case expr.Primitive:
		switch t {
		case expr.Boolean:
			s.Type = "boolean"
		case expr.String, expr.Bytes:
			s.Type = "string"
		case expr.Float32, expr.Float64:
			s.Type = "number"
		case expr.Any:
			s.Type = "any"
		default:
			s.Type = "integer"
			if t == expr.UInt || t == expr.UInt32 || t == expr.UInt64 {
				zero := 0.0
				s.Minimum = &zero
			}
		}
	case *expr.Array:
		s.Type = "array"
		s.Items = b.ref(t.ElemType)
	case *expr.Map:
		s.Type = "map"
		s.Values = b.ref(t.ElemType)
	case *expr.Object:
		s.Type = "object"
		s.Props = map[string]*schema{}
		for _, na := range *t {
			s.Props[na.Name] = b.ref(na.Attribute)
		}
		s.Required = required(att, keepRequired)
	case *expr.Union:
		s.Type = "union"
		s.TypeKey, s.ValueKey = t.GetTypeKey(), t.GetValueKey()
		for _, na := range t.Values {
			s.Variants = append(s.Variants, &variant{Name: na.Name, Schema: b.ref(na.Attribute)})
		}
	case expr.UserType:
		if expr.IsEmpty(t) {
			s.Type = "object"
		} else {
			return b.ref(att)
		}
	}
	if v := att.Validation; v != nil {
		s.Enum = slices.Clone(v.Values)
		s.Format = string(v.Format)
		s.Pattern = v.Pattern
		if v.Minimum != nil {
			s.Minimum = v.Minimum
		}
		s.Maximum = v.Maximum
		s.MinLength = v.MinLength
		s.MaxLength = v.MaxLength
	}
	return s
}

// ref returns the rules of att, a reference when att is a user type.
func (b *builder) ref(att *expr.AttributeExpr) *schema {
	if _, ok := att.Type.(expr.UserType); ok && !expr.IsEmpty(att.Type) {
		return &schema{Ref: b.typeRef(att)}
	}
	if _, ok := att.Type.(*expr.Union); ok {
		return &schema{Ref: b.typeRef(att)}
	}
	return b.schema(att, nil)
}

// methodSchema returns a TS expression of the rules of a method value.
func (b *builder) methodSchema(m *expr.MethodExpr, att *expr.AttributeExpr, suffix string) string {
	if _, anon := att.Type.(*expr.Object); anon {
		return "schemas." + b.methodType(m, att, suffix)
	}
	if _, ok := att.Type.(expr.UserType); ok && !expr.IsEmpty(att.Type) {
		return "schemas." + b.typeRef(att)
	}
	return jsonString(b.schema(att, nil))
}
