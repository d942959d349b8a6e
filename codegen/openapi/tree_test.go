package openapi

import (
	"testing"

	"duplex.dev/codegen/yamlfile"
)

// TestYAMLTreeEncodesAsBefore pins the YAML of every kind of value a
// document holds, as the generator wrote it when it encoded YAML itself:
// the tree the generator program hands to the duplex command must give the
// same bytes, design defaults of any shape (in flow style) included.
func TestYAMLTreeEncodesAsBefore(t *testing.T) {
	doc := obj("title", "x: y", "n", 3, "f", 1.5, "big", float64(1<<60), "yes", true, "nul", nil,
		"list", []any{"a", 2, obj("k", "v")}, "strs", []string{"true", "1"},
		"default", map[string]any{"b": []int{1, 2}, "a": "s"}, "i32", int32(7), "empty", "")
	doc.put("nothing", nil)
	tree, err := yamlDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yamlfile.Encode(tree)
	if err != nil {
		t.Fatal(err)
	}
	const want = `title: 'x: y'
n: 3
f: 1.5
big: 1.152921504606847e+18
yes: true
list:
  - a
  - 2
  - k: v
strs:
  - "true"
  - "1"
default: {"a": "s", "b": [1, 2]}
i32: 7
nothing: null
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
