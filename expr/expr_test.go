package expr_test

import (
	"slices"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPrimitiveIsCompatible(t *testing.T) {
	cases := []struct {
		p    expr.Primitive
		v    any
		want bool
	}{
		{expr.Boolean, true, true},
		{expr.Boolean, 1, false},
		{expr.Int, 3, true},
		{expr.Int, int64(3), true},
		{expr.Int, 3.5, false},
		{expr.Int32, int64(1) << 40, false},
		{expr.UInt, -1, false},
		{expr.UInt64, uint64(1) << 63, true},
		{expr.Int64, uint64(1) << 63, false},
		{expr.Float64, 3, true},
		{expr.Float32, 2.5, true},
		{expr.String, "x", true},
		{expr.String, []byte("x"), false},
		{expr.Bytes, []byte("x"), true},
		{expr.Bytes, "eA==", true},
		{expr.Any, struct{}{}, true},
		{expr.String, nil, false},
	}
	for _, c := range cases {
		if got := c.p.IsCompatible(c.v); got != c.want {
			t.Errorf("%s.IsCompatible(%#v) = %v, want %v", c.p.Name(), c.v, got, c.want)
		}
	}
}

func TestCompositeIsCompatible(t *testing.T) {
	arr := &expr.Array{ElemType: &expr.AttributeExpr{Type: expr.Int}}
	if !arr.IsCompatible([]any{1, 2}) || arr.IsCompatible([]any{1, "x"}) || arr.IsCompatible("x") {
		t.Error("Array.IsCompatible accepts or rejects the wrong values")
	}
	m := &expr.Map{KeyType: &expr.AttributeExpr{Type: expr.String}, ElemType: &expr.AttributeExpr{Type: expr.Int}}
	if !m.IsCompatible(map[string]int{"a": 1}) || m.IsCompatible(map[string]string{"a": "b"}) {
		t.Error("Map.IsCompatible accepts or rejects the wrong values")
	}
	obj := &expr.Object{{Name: "n", Attribute: &expr.AttributeExpr{Type: expr.Int}}}
	if !obj.IsCompatible(map[string]any{"n": 1}) || obj.IsCompatible(map[string]any{"n": "x"}) {
		t.Error("Object.IsCompatible accepts or rejects the wrong values")
	}
}

func TestObjectKeepsDeclarationOrder(t *testing.T) {
	o := &expr.Object{}
	o.Set("b", &expr.AttributeExpr{Type: expr.String})
	o.Set("a", &expr.AttributeExpr{Type: expr.String})
	o.Set("b", &expr.AttributeExpr{Type: expr.Int})
	if got := o.Names(); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("Names() = %v, want [b a]", got)
	}
	if o.Attribute("b").Type != expr.Int {
		t.Error("Set did not replace b")
	}
	o.Delete("b")
	if got := o.Names(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after Delete: %v", got)
	}
}

func TestUserTypesResolve(t *testing.T) {
	ut := &expr.UserTypeExpr{TypeName: "Msg", AttributeExpr: &expr.AttributeExpr{
		Type:       &expr.Object{{Name: "text", Attribute: &expr.AttributeExpr{Type: expr.String}}},
		Validation: &expr.ValidationExpr{Required: []string{"text"}},
	}}
	rt := &expr.ResultTypeExpr{UserTypeExpr: &expr.UserTypeExpr{TypeName: "Ev", AttributeExpr: &expr.AttributeExpr{Type: ut}}}
	att := &expr.AttributeExpr{Type: rt}
	if att.Find("text") == nil || !att.IsRequired("text") {
		t.Error("Find/IsRequired do not look through user types")
	}
	if expr.AsObject(rt) == nil || expr.IsPrimitive(rt) || !expr.IsPrimitive(&expr.UserTypeExpr{TypeName: "ID", AttributeExpr: &expr.AttributeExpr{Type: expr.String}}) {
		t.Error("AsObject/IsPrimitive do not resolve user types")
	}
	if !expr.IsEmpty(expr.Empty) || !expr.IsEmpty(nil) || expr.IsEmpty(ut) {
		t.Error("IsEmpty is wrong")
	}
	if rt.Kind() != expr.ResultTypeKind || ut.Kind() != expr.UserTypeKind || rt.Name() != "Ev" {
		t.Error("kinds or names are wrong")
	}
}

func TestPosString(t *testing.T) {
	if got := (expr.Pos{File: "/a/b/design.go", Line: 12}).String(); got != "design.go:12" {
		t.Errorf("Pos.String() = %q", got)
	}
	if got := expr.Errorf(expr.Pos{}, "no position").Error(); got != "no position" {
		t.Errorf("error without position = %q", got)
	}
}

func TestRouteFullPath(t *testing.T) {
	old := expr.Root
	t.Cleanup(func() { expr.Root = old })
	expr.Root = expr.NewRoot()
	expr.Root.API.HTTP.Path = "/api/"
	hs := &expr.HTTPServiceExpr{Paths: []string{"/chat", "/v2/chat"}}
	ep := &expr.HTTPEndpointExpr{Service: hs, Params: expr.NewMappedAttributeExpr()}
	r := &expr.RouteExpr{Method: "GET", Path: "/rooms/{room}/{*rest}", Endpoint: ep}
	if got := r.FullPath(); got != "/api/chat/rooms/{room}/{*rest}" {
		t.Errorf("FullPath() = %q", got)
	}
	if got := r.FullPaths(); len(got) != 2 || got[1] != "/api/v2/chat/rooms/{room}/{*rest}" {
		t.Errorf("FullPaths() = %q", got)
	}
	if got := r.Params(); !slices.Equal(got, []string{"room", "rest"}) {
		t.Errorf("Params() = %v", got)
	}
	root := &expr.RouteExpr{Path: "/", Endpoint: &expr.HTTPEndpointExpr{Service: &expr.HTTPServiceExpr{}}}
	expr.Root.API.HTTP.Path = ""
	if got := root.FullPath(); got != "/" {
		t.Errorf("root FullPath() = %q", got)
	}
}

func TestMappedAttribute(t *testing.T) {
	m := expr.NewMappedAttributeExpr()
	m.Add("req_id", "X-Request-ID", &expr.AttributeExpr{Type: expr.String})
	m.Add("token", "", &expr.AttributeExpr{Type: expr.String})
	if m.ElemName("req_id") != "X-Request-ID" || m.ElemName("token") != "token" || m.AttributeName("X-Request-ID") != "req_id" {
		t.Error("name mapping is wrong")
	}
	if m.Len() != 2 || m.Find("token") == nil {
		t.Error("attributes are missing")
	}
	m.Remove("req_id")
	if m.Len() != 1 || m.ElemName("req_id") != "req_id" {
		t.Error("Remove left the attribute or its mapping")
	}
}

func TestErrorResultHasDefaultView(t *testing.T) {
	if expr.ErrorResult.View(expr.DefaultView) == nil || expr.ErrorResult.Find("message") == nil {
		t.Error("ErrorResult lacks its default view or message attribute")
	}
}
