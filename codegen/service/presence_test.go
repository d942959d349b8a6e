package service_test

import (
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// anonCheck runs inside the generated package of
// TestRequiredAttributesOfAnonymousElementsAreChecked.
const anonCheck = `package anon

import (
	"encoding/json"
	"strings"
	"testing"

	duplex "duplex.dev"
)

func TestMissingAttributesOfElements(t *testing.T) {
	var b Batch
	err := json.Unmarshal([]byte(` + "`" + `{"items":[{"text":"a"},{"n":1}],"by_key":{"x":{"ok":false},"y":{}}}` + "`" + `), &b)
	if duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Fatalf("error %v is not a validation error", err)
	}
	for _, want := range []string{` + "`" + `"text" is missing from Batch.items[*]` + "`" + `, ` + "`" + `"ok" is missing from Batch.by_key[*]` + "`" + `} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestElementsKeepTheirValues(t *testing.T) {
	var b Batch
	if err := json.Unmarshal([]byte(` + "`" + `{"items":[{"text":"","n":2},{"text":"b"}],"by_key":{"x":{"ok":true}},"tag":"t"}` + "`" + `), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || b.Items[0].Text != "" || b.Items[0].N == nil || *b.Items[0].N != 2 ||
		b.Items[1].Text != "b" || b.Items[1].N != nil || !b.ByKey["x"].OK || len(b.ByKey) != 1 || b.Tag == nil || *b.Tag != "t" {
		t.Errorf("decoded %+v", b)
	}
	b = Batch{}
	if err := json.Unmarshal([]byte(` + "`" + `{"items":null}` + "`" + `), &b); err != nil || b.Items != nil || b.ByKey != nil {
		t.Errorf("null items: %+v, %v", b, err)
	}
	if err := json.Unmarshal([]byte(` + "`" + `{"items":[],"by_key":{}}` + "`" + `), &b); err != nil || b.Items == nil || len(b.Items) != 0 || b.ByKey == nil {
		t.Errorf("empty items: %+v, %v", b, err)
	}
}
`

// TestRequiredAttributesOfAnonymousElementsAreChecked builds a type whose
// arrays and maps hold anonymous objects with required attributes (the DSL
// offers no way to write one, so the design model is changed after the DSL
// ran) and checks, inside the generated package, that decoding reports the
// missing ones and keeps the others.
func TestRequiredAttributesOfAnonymousElementsAreChecked(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on generated code")
	}
	eval.Reset()
	API("anon", func() {})
	var Batch = Type("Batch", func() {
		Attribute("items", ArrayOf(String))
		Attribute("by_key", MapOf(String, String))
		Attribute("tag", String)
	})
	Service("anon", func() {
		Method("put", func() { StreamingPayload(Batch); HTTP(func() { GET("/put") }) })
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("design: %v", err)
	}
	object := func(required string, atts ...*expr.NamedAttributeExpr) *expr.AttributeExpr {
		o := expr.Object(atts)
		return &expr.AttributeExpr{Type: &o, Validation: &expr.ValidationExpr{Required: []string{required}}}
	}
	obj := expr.AsObject(Batch)
	obj.Attribute("items").Type.(*expr.Array).ElemType = object("text",
		&expr.NamedAttributeExpr{Name: "text", Attribute: &expr.AttributeExpr{Type: expr.String}},
		&expr.NamedAttributeExpr{Name: "n", Attribute: &expr.AttributeExpr{Type: expr.Int}})
	obj.Attribute("by_key").Type.(*expr.Map).ElemType = object("ok",
		&expr.NamedAttributeExpr{Name: "ok", Attribute: &expr.AttributeExpr{Type: expr.Boolean}})

	files, err := service.Files("example.com/anon/gen", expr.Root)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s:\n%s", files[0].Path, files[0].Content)
	}
	dir := gentest.Module(t, "example.com/anon", files, map[string]string{"gen/anon/anon_test.go": anonCheck})
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-count=1", "-v", "./..."))
}
