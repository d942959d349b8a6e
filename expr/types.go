package expr

import (
	"math"
	"reflect"
)

// Kind identifies the family of a DataType.
type Kind int

// The kinds of data types.
const (
	BooleanKind Kind = iota + 1
	IntKind
	Int32Kind
	Int64Kind
	UIntKind
	UInt32Kind
	UInt64Kind
	Float32Kind
	Float64Kind
	StringKind
	BytesKind
	AnyKind
	ArrayKind
	ObjectKind
	MapKind
	UserTypeKind
	ResultTypeKind
	// UnionKind is the kind of a OneOf attribute (see Union).
	UnionKind
)

// DataType is the common interface of all design types.
type DataType interface {
	// Kind returns the type's kind.
	Kind() Kind
	// Name returns the type's name: "string", "array", "object", "map" or
	// the user type's name.
	Name() string
	// IsCompatible reports whether the Go value v can be a value of the type.
	IsCompatible(v any) bool
}

// Primitive is a built-in scalar type.
type Primitive Kind

// The primitive types. Any accepts any value.
const (
	Boolean = Primitive(BooleanKind)
	Int     = Primitive(IntKind)
	Int32   = Primitive(Int32Kind)
	Int64   = Primitive(Int64Kind)
	UInt    = Primitive(UIntKind)
	UInt32  = Primitive(UInt32Kind)
	UInt64  = Primitive(UInt64Kind)
	Float32 = Primitive(Float32Kind)
	Float64 = Primitive(Float64Kind)
	String  = Primitive(StringKind)
	Bytes   = Primitive(BytesKind)
	Any     = Primitive(AnyKind)
)

// Kind returns the primitive's kind.
func (p Primitive) Kind() Kind { return Kind(p) }

// Name returns the Goa name of the primitive ("boolean", "int", "string" ...).
func (p Primitive) Name() string {
	switch p {
	case Boolean:
		return "boolean"
	case Int:
		return "int"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case UInt:
		return "uint"
	case UInt32:
		return "uint32"
	case UInt64:
		return "uint64"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case String:
		return "string"
	case Bytes:
		return "bytes"
	case Any:
		return "any"
	}
	return "unknown"
}

// IsCompatible reports whether v is a Go value of the primitive: integers
// (of any Go integer type, within range) for integer kinds, integers or
// floats for float kinds, strings for String, strings or []byte for Bytes.
func (p Primitive) IsCompatible(v any) bool {
	if p == Any {
		return true
	}
	switch v.(type) {
	case bool:
		return p == Boolean
	case string:
		return p == String || p == Bytes
	case []byte:
		return p == Bytes
	case float32:
		return p == Float32 || p == Float64
	case float64:
		return p == Float32 || p == Float64
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return false
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return p.fitsInt(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return p == UInt64 || p == UInt || p == Float32 || p == Float64
		}
		return p.fitsInt(int64(u))
	}
	return false
}

func (p Primitive) fitsInt(i int64) bool {
	switch p {
	case Int, Int64, Float32, Float64:
		return true
	case Int32:
		return i >= math.MinInt32 && i <= math.MaxInt32
	case UInt, UInt64:
		return i >= 0
	case UInt32:
		return i >= 0 && i <= math.MaxUint32
	}
	return false
}

// IsNumeric reports whether p is an integer or float kind.
func (p Primitive) IsNumeric() bool { return p >= Int && p <= Float64 }

// Array is the type of ArrayOf(T).
type Array struct {
	// ElemType describes the elements.
	ElemType *AttributeExpr
}

// Kind returns ArrayKind.
func (*Array) Kind() Kind { return ArrayKind }

// Name returns "array".
func (*Array) Name() string { return "array" }

// IsCompatible reports whether v is a slice or array whose elements are
// compatible with the element type.
func (a *Array) IsCompatible(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return false
	}
	if a.ElemType == nil || a.ElemType.Type == nil {
		return true
	}
	for i := 0; i < rv.Len(); i++ {
		if !a.ElemType.Type.IsCompatible(rv.Index(i).Interface()) {
			return false
		}
	}
	return true
}

// Map is the type of MapOf(K, V).
type Map struct {
	// KeyType describes the keys.
	KeyType *AttributeExpr
	// ElemType describes the values.
	ElemType *AttributeExpr
}

// Kind returns MapKind.
func (*Map) Kind() Kind { return MapKind }

// Name returns "map".
func (*Map) Name() string { return "map" }

// IsCompatible reports whether v is a Go map whose keys and values are
// compatible with the key and element types.
func (m *Map) IsCompatible(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Map {
		return false
	}
	it := rv.MapRange()
	for it.Next() {
		if m.KeyType != nil && m.KeyType.Type != nil && !m.KeyType.Type.IsCompatible(it.Key().Interface()) {
			return false
		}
		if m.ElemType != nil && m.ElemType.Type != nil && !m.ElemType.Type.IsCompatible(it.Value().Interface()) {
			return false
		}
	}
	return true
}

// NamedAttributeExpr is one attribute of an Object.
type NamedAttributeExpr struct {
	// Name is the attribute name as written in the design.
	Name string
	// Attribute describes the attribute.
	Attribute *AttributeExpr
}

// Object is a list of named attributes, in declaration order.
type Object []*NamedAttributeExpr

// Kind returns ObjectKind.
func (*Object) Kind() Kind { return ObjectKind }

// Name returns "object".
func (*Object) Name() string { return "object" }

// IsCompatible reports whether v is a map with string keys (or a struct)
// whose values known to the object are compatible with their attributes.
func (o *Object) IsCompatible(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return false
	}
	switch rv.Kind() {
	case reflect.Struct:
		return true
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return false
		}
		it := rv.MapRange()
		for it.Next() {
			att := o.Attribute(it.Key().String())
			if att != nil && att.Type != nil && !att.Type.IsCompatible(it.Value().Interface()) {
				return false
			}
		}
		return true
	}
	return false
}

// Attribute returns the attribute with the given name or nil.
func (o *Object) Attribute(name string) *AttributeExpr {
	if o == nil {
		return nil
	}
	for _, nat := range *o {
		if nat.Name == name {
			return nat.Attribute
		}
	}
	return nil
}

// Set adds the attribute or replaces the one with the same name, keeping
// its place.
func (o *Object) Set(name string, att *AttributeExpr) {
	for _, nat := range *o {
		if nat.Name == name {
			nat.Attribute = att
			return
		}
	}
	*o = append(*o, &NamedAttributeExpr{Name: name, Attribute: att})
}

// Delete removes the attribute with the given name, if any.
func (o *Object) Delete(name string) {
	for i, nat := range *o {
		if nat.Name == name {
			*o = append((*o)[:i:i], (*o)[i+1:]...)
			return
		}
	}
}

// Names returns the attribute names in declaration order.
func (o *Object) Names() []string {
	if o == nil {
		return nil
	}
	names := make([]string, len(*o))
	for i, nat := range *o {
		names[i] = nat.Name
	}
	return names
}

// UserType is a named type: a Type or a ResultType.
type UserType interface {
	DataType
	// Attribute returns the attribute that describes the type.
	Attribute() *AttributeExpr
	// ID returns the unique identifier of the type (its name).
	ID() string
}

// UserTypeExpr is a type declared with Type (or built in, such as Empty).
type UserTypeExpr struct {
	// AttributeExpr describes the type: its Type is usually an *Object.
	*AttributeExpr
	// TypeName is the name given to Type (or set with TypeName).
	TypeName string
	// DSLFunc is the design function given to Type; eval runs it once.
	DSLFunc func()
}

// Kind returns UserTypeKind.
func (*UserTypeExpr) Kind() Kind { return UserTypeKind }

// Name returns the type name.
func (u *UserTypeExpr) Name() string { return u.TypeName }

// ID returns the type name.
func (u *UserTypeExpr) ID() string { return u.TypeName }

// Attribute returns the attribute describing the type.
func (u *UserTypeExpr) Attribute() *AttributeExpr { return u.AttributeExpr }

// IsCompatible delegates to the underlying type.
func (u *UserTypeExpr) IsCompatible(v any) bool {
	if u.AttributeExpr == nil || u.Type == nil {
		return false
	}
	return u.Type.IsCompatible(v)
}

// Empty is the built-in user type with no attribute. Payload, Result and
// StreamingPayload are Empty after Finalize when the design declares none.
var Empty = &UserTypeExpr{
	TypeName:      "Empty",
	AttributeExpr: &AttributeExpr{Type: &Object{}, Description: "Empty represents empty values."},
}

// IsEmpty reports whether dt is nil, Empty or an object without attributes.
func IsEmpty(dt DataType) bool {
	if dt == nil || dt == Empty {
		return true
	}
	o := AsObject(dt)
	return o != nil && len(*o) == 0
}

// IsPrimitive reports whether dt (after resolving user types) is a primitive.
func IsPrimitive(dt DataType) bool {
	_, ok := Underlying(dt).(Primitive)
	return ok
}

// AsObject returns the object of dt (after resolving user types) or nil.
func AsObject(dt DataType) *Object {
	o, _ := Underlying(dt).(*Object)
	return o
}

// AsArray returns the array of dt (after resolving user types) or nil.
func AsArray(dt DataType) *Array {
	a, _ := Underlying(dt).(*Array)
	return a
}

// AsMap returns the map of dt (after resolving user types) or nil.
func AsMap(dt DataType) *Map {
	m, _ := Underlying(dt).(*Map)
	return m
}

// Underlying returns dt with user types and result types resolved to the
// type they describe; it returns nil for nil.
func Underlying(dt DataType) DataType {
	for i := 0; i < 100; i++ { // bounded: a type cannot be its own attribute type
		ut, ok := dt.(UserType)
		if !ok || ut.Attribute() == nil {
			return dt
		}
		dt = ut.Attribute().Type
	}
	return dt
}
