package expr

import "slices"

// Union is the type of an attribute defined with OneOf: a value of exactly
// one of several named variants. JSON carries it as Goa does, an object
// with the variant's name and its value: {"type": "join", "value": {...}}
// (the keys can be renamed with Meta "oneof:type:field" and
// "oneof:value:field").
type Union struct {
	// TypeName is the name given to OneOf; the Go sum type is named after
	// it ("event" -> Event).
	TypeName string
	// Values are the variants, in declaration order. Each variant's type is
	// a user type: the DSL wraps a variant of another type into one named
	// TypeName + the variant's name, as Goa does ("eventTyping").
	Values []*NamedAttributeExpr
	// TypeKey is the discriminator's JSON key ("type" when empty).
	TypeKey string
	// ValueKey is the value's JSON key ("value" when empty).
	ValueKey string
}

// Kind returns UnionKind.
func (*Union) Kind() Kind { return UnionKind }

// Name returns the name given to OneOf.
func (u *Union) Name() string { return u.TypeName }

// IsCompatible reports whether v is a value of one of the variants.
func (u *Union) IsCompatible(v any) bool {
	return slices.ContainsFunc(u.Values, func(nat *NamedAttributeExpr) bool {
		return nat.Attribute.Type != nil && nat.Attribute.Type.IsCompatible(v)
	})
}

// GetTypeKey returns the JSON key of the variant's name: "type" unless
// Meta("oneof:type:field", key) renamed it.
func (u *Union) GetTypeKey() string {
	if u.TypeKey != "" {
		return u.TypeKey
	}
	return "type"
}

// GetValueKey returns the JSON key of the variant's value: "value" unless
// Meta("oneof:value:field", key) renamed it.
func (u *Union) GetValueKey() string {
	if u.ValueKey != "" {
		return u.ValueKey
	}
	return "value"
}

// Variant returns the variant called name, or nil.
func (u *Union) Variant(name string) *AttributeExpr {
	for _, nat := range u.Values {
		if nat.Name == name {
			return nat.Attribute
		}
	}
	return nil
}

// AsUnion returns the union of dt (after resolving user types) or nil.
func AsUnion(dt DataType) *Union {
	u, _ := Underlying(dt).(*Union)
	return u
}
