package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"duplex.dev/codegen"
)

// object is a JSON object that keeps its keys in insertion order, so the
// documents are stable and read in a sensible order (title before paths).
type object struct {
	keys []string
	vals map[string]any
}

// obj returns an object holding the key/value pairs kv, skipping nil and
// empty values.
func obj(kv ...any) *object {
	o := &object{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// set adds or replaces key; nil values, empty strings, empty slices and
// empty objects are left out.
func (o *object) set(key string, v any) *object {
	if isEmptyValue(v) {
		return o
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
	return o
}

// put adds or replaces key, keeping empty values (an empty scope list, an
// empty description).
func (o *object) put(key string, v any) *object {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
	return o
}

// del removes key.
func (o *object) del(key string) {
	if _, ok := o.vals[key]; !ok {
		return
	}
	delete(o.vals, key)
	for i, k := range o.keys {
		if k == key {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
}

// get returns the value of key or nil.
func (o *object) get(key string) any { return o.vals[key] }

func (o *object) len() int { return len(o.keys) }

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case *object:
		return x == nil
	}
	return false
}

// MarshalJSON writes the object with its keys in insertion order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalJSON(o.vals[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// encodeJSON returns the document indented with two spaces.
func encodeJSON(doc *object) ([]byte, error) {
	raw, err := marshalJSON(doc)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// yamlDocument returns the document as a YAML tree with the same key order;
// the duplex command encodes it (see codegen.File.YAML).
func yamlDocument(doc *object) (*codegen.YAMLNode, error) { return yamlNode(doc) }

func yamlNode(v any) (*codegen.YAMLNode, error) {
	switch x := v.(type) {
	case *object:
		n := &codegen.YAMLNode{Kind: codegen.YAMLMapping}
		for _, k := range x.keys {
			vn, err := yamlNode(x.vals[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			n.Content = append(n.Content, yamlScalar("!!str", k), vn)
		}
		return n, nil
	case []any:
		n := &codegen.YAMLNode{Kind: codegen.YAMLSequence}
		for _, e := range x {
			en, err := yamlNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, en)
		}
		return n, nil
	case []string:
		n := &codegen.YAMLNode{Kind: codegen.YAMLSequence}
		for _, e := range x {
			n.Content = append(n.Content, yamlScalar("!!str", e))
		}
		return n, nil
	case string:
		return yamlScalar("!!str", x), nil
	case bool:
		return yamlScalar("!!bool", strconv.FormatBool(x)), nil
	case nil:
		return yamlScalar("!!null", "null"), nil
	case int:
		return yamlScalar("!!int", strconv.Itoa(x)), nil
	case int64:
		return yamlScalar("!!int", strconv.FormatInt(x, 10)), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return yamlScalar("!!int", strconv.FormatInt(int64(x), 10)), nil
		}
		return yamlScalar("!!float", strconv.FormatFloat(x, 'g', -1, 64)), nil
	}
	// Other values (design defaults and examples of any shape) go through
	// JSON, which YAML reads as a subset.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &codegen.YAMLNode{Kind: codegen.YAMLJSON, Value: string(raw)}, nil
}

func yamlScalar(tag, value string) *codegen.YAMLNode {
	return &codegen.YAMLNode{Kind: codegen.YAMLScalar, Tag: tag, Value: value}
}
