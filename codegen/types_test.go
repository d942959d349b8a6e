package codegen

import (
	"strings"
	"testing"

	"duplex.dev/expr"
)

func TestGoTypeRef(t *testing.T) {
	event := &expr.UserTypeExpr{TypeName: "chat_event", AttributeExpr: &expr.AttributeExpr{Type: &expr.Object{}}}
	ids := &expr.UserTypeExpr{TypeName: "IDs", AttributeExpr: &expr.AttributeExpr{Type: &expr.Array{ElemType: &expr.AttributeExpr{Type: expr.String}}}}
	cases := []struct {
		name string
		dt   expr.DataType
		pkg  string
		want string
	}{
		{"a string is a string", expr.String, "", "string"},
		{"bytes are a byte slice", expr.Bytes, "", "[]byte"},
		{"any is any", expr.Any, "", "any"},
		{"an unsigned integer keeps its size", expr.UInt32, "", "uint32"},
		{"an object user type is a pointer", event, "", "*ChatEvent"},
		{"a qualified user type names its package", event, "chat", "*chat.ChatEvent"},
		{"an array user type is not a pointer", ids, "chat", "chat.IDs"},
		{"an array of user types holds pointers", &expr.Array{ElemType: &expr.AttributeExpr{Type: event}}, "", "[]*ChatEvent"},
		{"a map has key and element types", &expr.Map{KeyType: &expr.AttributeExpr{Type: expr.String}, ElemType: &expr.AttributeExpr{Type: expr.Int64}}, "", "map[string]int64"},
		{"an empty anonymous object is an empty struct", &expr.Object{}, "", "struct{}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := GoTypeRef(tc.dt, tc.pkg); got != tc.want {
				t.Errorf("GoTypeRef = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGoFieldRefFollowsGoaPointerRules(t *testing.T) {
	obj := expr.Object{
		{Name: "required", Attribute: &expr.AttributeExpr{Type: expr.String}},
		{Name: "optional", Attribute: &expr.AttributeExpr{Type: expr.Int}},
		{Name: "defaulted", Attribute: &expr.AttributeExpr{Type: expr.Int, DefaultValue: 3}},
		{Name: "blob", Attribute: &expr.AttributeExpr{Type: expr.Bytes}},
		{Name: "list", Attribute: &expr.AttributeExpr{Type: &expr.Array{ElemType: &expr.AttributeExpr{Type: expr.String}}}},
		{Name: "nested", Attribute: &expr.AttributeExpr{Type: &expr.Object{{Name: "x", Attribute: &expr.AttributeExpr{Type: expr.Boolean}}},
			Validation: &expr.ValidationExpr{Required: []string{"x"}}}},
	}
	parent := &expr.AttributeExpr{Type: &obj, Validation: &expr.ValidationExpr{Required: []string{"required"}}}
	want := map[string]string{
		"required":  "string",
		"optional":  "*int",
		"defaulted": "int",
		"blob":      "[]byte",
		"list":      "[]string",
		"nested":    "*struct {\nX bool `json:\"x\"`\n}",
	}
	for name, w := range want {
		if got := GoFieldRef(parent, name, ""); got != w {
			t.Errorf("GoFieldRef(%s) = %q, want %q", name, got, w)
		}
	}
	def := GoStructDef(parent, "")
	for _, tag := range []string{"`json:\"required\"`", "`json:\"optional,omitempty\"`", "`json:\"defaulted\"`"} {
		if !strings.Contains(def, tag) {
			t.Errorf("struct definition lacks tag %s:\n%s", tag, def)
		}
	}
}

func TestGoLiteral(t *testing.T) {
	cases := []struct {
		v    any
		dt   expr.DataType
		want string
	}{
		{"new", expr.String, `"new"`},
		{true, expr.Boolean, "true"},
		{20, expr.Int, "20"},
		{20.0, expr.Int, "20"},
		{20.0, expr.Float64, "20.0"},
		{0.5, expr.Float32, "0.5"},
		{uint64(7), expr.UInt64, "7"},
		{[]any{"a", "b"}, &expr.Array{ElemType: &expr.AttributeExpr{Type: expr.String}}, `[]string{"a", "b"}`},
	}
	for _, tc := range cases {
		if got := GoLiteral(tc.v, tc.dt, ""); got != tc.want {
			t.Errorf("GoLiteral(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestMethodTypeRefNamesAnonymousObjectsAfterTheMethod(t *testing.T) {
	m := &expr.MethodExpr{Name: "list_items"}
	anon := &expr.AttributeExpr{Type: &expr.Object{{Name: "a", Attribute: &expr.AttributeExpr{Type: expr.String}}}}
	if got := MethodTypeRef(m, anon, "Payload", "shop"); got != "*shop.ListItemsPayload" {
		t.Errorf("anonymous payload = %q", got)
	}
	if got := MethodTypeRef(m, &expr.AttributeExpr{Type: expr.Int}, "StreamingPayload", "shop"); got != "int" {
		t.Errorf("int streaming payload = %q", got)
	}
	if got := MethodTypeRef(m, &expr.AttributeExpr{Type: expr.Empty}, "Result", "shop"); got != "" {
		t.Errorf("empty result = %q", got)
	}
}
