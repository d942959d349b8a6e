package codegen

// YAMLNode is one node of a YAML document a generator describes (the API
// documents); package duplex.dev/codegen/yamlfile encodes it. Mappings keep
// their keys in the order given, so the documents read in a fixed order.
type YAMLNode struct {
	Kind YAMLKind
	// Tag and Value are a scalar's ("!!str", "!!int", "!!float", "!!bool",
	// "!!null"), or the JSON text of a YAMLJSON node (Value only).
	Tag   string `json:",omitempty"`
	Value string `json:",omitempty"`
	// Content holds a mapping's keys and values (key, value, key, value …)
	// or a sequence's elements.
	Content []*YAMLNode `json:",omitempty"`
}

// YAMLKind is the kind of a YAMLNode.
type YAMLKind string

// The kinds of YAMLNode.
const (
	YAMLMapping  YAMLKind = "mapping"
	YAMLSequence YAMLKind = "sequence"
	YAMLScalar   YAMLKind = "scalar"
	// YAMLJSON is a value of any shape (a design's default or example)
	// given as JSON text in Value, written as a YAML parser reads that text
	// (flow style, strings quoted).
	YAMLJSON YAMLKind = "json"
)
