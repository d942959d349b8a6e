package dsl

import (
	"reflect"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// The formats accepted by Format (Goa's).
const (
	// FormatDate is a full-date (RFC 3339), e.g. "2017-11-05".
	FormatDate = expr.FormatDate
	// FormatDateTime is a date-time (RFC 3339), e.g. "2017-11-05T16:54:00Z".
	FormatDateTime = expr.FormatDateTime
	// FormatUUID is an RFC 4122 UUID.
	FormatUUID = expr.FormatUUID
	// FormatEmail is an RFC 5322 email address.
	FormatEmail = expr.FormatEmail
	// FormatHostname is an RFC 1035 host name.
	FormatHostname = expr.FormatHostname
	// FormatIPv4 is an IPv4 address.
	FormatIPv4 = expr.FormatIPv4
	// FormatIPv6 is an IPv6 address.
	FormatIPv6 = expr.FormatIPv6
	// FormatIP is an IPv4 or IPv6 address.
	FormatIP = expr.FormatIP
	// FormatURI is an RFC 3986 URI.
	FormatURI = expr.FormatURI
	// FormatMAC is an IEEE 802 MAC-48, EUI-48 or EUI-64 address.
	FormatMAC = expr.FormatMAC
	// FormatCIDR is an RFC 4632 or RFC 4291 CIDR notation IP address.
	FormatCIDR = expr.FormatCIDR
	// FormatRegexp is a regular expression (RE2 syntax).
	FormatRegexp = expr.FormatRegexp
	// FormatJSON is a JSON document.
	FormatJSON = expr.FormatJSON
	// FormatRFC1123 is an RFC 1123 date-time.
	FormatRFC1123 = expr.FormatRFC1123
)

// validation returns the validation of the current attribute, creating it,
// or nil after recording an error.
func validation(fn string) (*expr.AttributeExpr, *expr.ValidationExpr) {
	a := currentAttribute()
	if a == nil {
		incompatible(fn, "an Attribute, Type or ResultType")
		return nil, nil
	}
	if a.Validation == nil {
		a.Validation = &expr.ValidationExpr{}
	}
	a.SetDSLPos(fn, eval.Caller())
	return a, a.Validation
}

// Enum lists the values the attribute may take. The values must be of the
// attribute's type.
func Enum(vals ...any) {
	if _, v := validation("Enum"); v != nil {
		v.Values = append(v.Values, vals...)
	}
}

// Format sets the format of a string attribute (FormatDateTime, FormatUUID ...).
func Format(f expr.ValidationFormat) {
	if _, v := validation("Format"); v != nil {
		v.Format = f
	}
}

// Pattern sets the regular expression a string attribute must match.
func Pattern(p string) {
	if _, v := validation("Pattern"); v != nil {
		v.Pattern = p
	}
}

// Minimum sets the minimum value of a numeric attribute.
func Minimum(val any) {
	if f, ok := number("Minimum", val); ok {
		if _, v := validation("Minimum"); v != nil {
			v.Minimum = &f
		}
	}
}

// Maximum sets the maximum value of a numeric attribute.
func Maximum(val any) {
	if f, ok := number("Maximum", val); ok {
		if _, v := validation("Maximum"); v != nil {
			v.Maximum = &f
		}
	}
}

// ExclusiveMinimum sets the exclusive minimum of a numeric attribute.
func ExclusiveMinimum(val any) {
	if f, ok := number("ExclusiveMinimum", val); ok {
		if _, v := validation("ExclusiveMinimum"); v != nil {
			v.ExclusiveMinimum = &f
		}
	}
}

// ExclusiveMaximum sets the exclusive maximum of a numeric attribute.
func ExclusiveMaximum(val any) {
	if f, ok := number("ExclusiveMaximum", val); ok {
		if _, v := validation("ExclusiveMaximum"); v != nil {
			v.ExclusiveMaximum = &f
		}
	}
}

// MinLength sets the minimum length of a string (in runes), bytes, array
// or map attribute.
func MinLength(val int) {
	if _, v := validation("MinLength"); v != nil {
		v.MinLength = &val
	}
}

// MaxLength sets the maximum length of a string (in runes), bytes, array
// or map attribute.
func MaxLength(val int) {
	if _, v := validation("MaxLength"); v != nil {
		v.MaxLength = &val
	}
}

// Required lists the child attributes that must be present.
func Required(names ...string) {
	a := currentAttribute()
	if a == nil {
		incompatible("Required", "an Attribute, Type, ResultType, Payload or Result")
		return
	}
	if a.Validation == nil {
		a.Validation = &expr.ValidationExpr{}
	}
	pos := eval.Caller()
	for _, n := range names {
		a.Validation.Required = append(a.Validation.Required, n)
		a.SetDSLPos("Required:"+n, pos)
	}
}

func number(fn string, val any) (float64, bool) {
	rv := reflect.ValueOf(val)
	switch {
	case rv.CanInt():
		return float64(rv.Int()), true
	case rv.CanUint():
		return float64(rv.Uint()), true
	case rv.CanFloat():
		return rv.Float(), true
	}
	eval.ReportError("%s: %#v is not a number", fn, val)
	return 0, false
}
