package expr

import "slices"

// MetaExpr is the metadata set with Meta: a key and its values.
type MetaExpr map[string][]string

// Last returns the last value recorded for key and whether key is set.
func (m MetaExpr) Last(key string) (string, bool) {
	vals, ok := m[key]
	if !ok || len(vals) == 0 {
		return "", ok
	}
	return vals[len(vals)-1], true
}

// AttributeExpr describes a payload, result, type or field: its type,
// validations, default, examples and metadata.
type AttributeExpr struct {
	// Type is the attribute's type. It may be nil while the DSL runs (an
	// attribute named in a View or Param); it is never nil after Finalize.
	Type DataType
	// Description is set with Description or the last string argument of
	// Attribute.
	Description string
	// Validation holds the validations (nil when none).
	Validation *ValidationExpr
	// DefaultValue is set with Default (nil when none).
	DefaultValue any
	// UserExamples are the values given to Example.
	UserExamples []*ExampleExpr
	// Meta is the metadata given to Meta (and Field's "rpc:tag").
	Meta MetaExpr
	// Bases are the types given to Extend: their attributes are copied into
	// this one at Prepare.
	Bases []DataType
	// References are the types given to Reference: attributes declared by
	// name only take their definition from them at Prepare.
	References []DataType
	// Pos is the position of the DSL call that declared the attribute.
	Pos Pos
	// DSLPos records where validations and defaults were set, keyed by DSL
	// function ("Enum", "Minimum", "Default", "Required:name" ...), so that
	// validation errors point at the offending call. Generators ignore it.
	DSLPos map[string]Pos
}

// SetDSLPos records that the DSL function key was called at pos.
func (a *AttributeExpr) SetDSLPos(key string, pos Pos) {
	if a.DSLPos == nil {
		a.DSLPos = map[string]Pos{}
	}
	a.DSLPos[key] = pos
}

// PosOf returns where the DSL function key was called on the attribute, or
// the attribute's own position.
func (a *AttributeExpr) PosOf(key string) Pos {
	if p, ok := a.DSLPos[key]; ok {
		return p
	}
	return a.Pos
}

// Position returns where the attribute was declared.
func (a *AttributeExpr) Position() Pos { return a.Pos }

// IsRequired reports whether name is listed with Required on this attribute
// (or, for a user type, on the type).
func (a *AttributeExpr) IsRequired(name string) bool {
	if a == nil {
		return false
	}
	if a.Validation != nil && slices.Contains(a.Validation.Required, name) {
		return true
	}
	if ut, ok := a.Type.(UserType); ok && ut.Attribute() != nil && ut.Attribute() != a {
		return ut.Attribute().IsRequired(name)
	}
	return false
}

// Find returns the child attribute called name of an object attribute
// (resolving user types), or nil.
func (a *AttributeExpr) Find(name string) *AttributeExpr {
	if a == nil {
		return nil
	}
	return AsObject(a.Type).Attribute(name)
}

// AllRequired returns the required attribute names of an object attribute,
// including those required by its user type.
func (a *AttributeExpr) AllRequired() []string {
	if a == nil {
		return nil
	}
	var req []string
	if a.Validation != nil {
		req = append(req, a.Validation.Required...)
	}
	if ut, ok := a.Type.(UserType); ok && ut.Attribute() != nil && ut.Attribute() != a {
		for _, r := range ut.Attribute().AllRequired() {
			if !slices.Contains(req, r) {
				req = append(req, r)
			}
		}
	}
	return req
}

// HasDefaultValue reports whether Default was used on the attribute.
func (a *AttributeExpr) HasDefaultValue() bool { return a != nil && a.DefaultValue != nil }

// ValidationExpr holds the validations of an attribute.
type ValidationExpr struct {
	// Values are the values given to Enum.
	Values []any
	// Format is set with Format.
	Format ValidationFormat
	// Pattern is the regular expression given to Pattern.
	Pattern string
	// ExclusiveMinimum and ExclusiveMaximum are never set by Duplex's DSL;
	// they exist for Goa compatibility.
	ExclusiveMinimum, ExclusiveMaximum *float64
	// Minimum and Maximum are set with Minimum and Maximum.
	Minimum, Maximum *float64
	// MinLength and MaxLength are set with MinLength and MaxLength.
	MinLength, MaxLength *int
	// Required lists the required child attributes (Required).
	Required []string
}

// ValidationFormat is a format given to Format.
type ValidationFormat string

// The formats Format accepts (same strings as Goa).
const (
	FormatDate     ValidationFormat = "date"
	FormatDateTime ValidationFormat = "date-time"
	FormatUUID     ValidationFormat = "uuid"
	FormatEmail    ValidationFormat = "email"
	FormatHostname ValidationFormat = "hostname"
	FormatIPv4     ValidationFormat = "ipv4"
	FormatIPv6     ValidationFormat = "ipv6"
	FormatIP       ValidationFormat = "ip"
	FormatURI      ValidationFormat = "uri"
	FormatMAC      ValidationFormat = "mac"
	FormatCIDR     ValidationFormat = "cidr"
	FormatRegexp   ValidationFormat = "regexp"
	FormatJSON     ValidationFormat = "json"
	FormatRFC1123  ValidationFormat = "rfc1123"
)

// ExampleExpr is a value given to Example.
type ExampleExpr struct {
	// Summary is the example's title (Example's first argument when two are
	// given).
	Summary string
	// Description describes the example.
	Description string
	// Value is the example value.
	Value any
}
