// Package yamlfile encodes the YAML files generators describe as
// codegen.YAMLNode trees (the API documents). The duplex command uses it
// when it writes the generator program's files, and tests use it to compare
// them with golden copies.
//
// It lives apart from the generators because of the YAML library: the
// generator program is built in the user's module, which must not need
// anything but duplex.dev and what the user's own code imports, while the
// duplex command is built in duplex.dev's module.
package yamlfile

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"duplex.dev/codegen"
)

// Encode returns the document n as YAML indented with two spaces.
func Encode(n *codegen.YAMLNode) ([]byte, error) {
	yn, err := node(n)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(yn); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// EncodeFiles sets the Content of every file that holds a YAML tree to the
// tree's encoding and clears the tree.
func EncodeFiles(files []*codegen.File) error {
	for _, f := range files {
		if f.YAML == nil {
			continue
		}
		content, err := Encode(f.YAML)
		if err != nil {
			return fmt.Errorf("encode %s: %w", f.Path, err)
		}
		f.Content, f.YAML = content, nil
	}
	return nil
}

func node(n *codegen.YAMLNode) (*yaml.Node, error) {
	switch n.Kind {
	case codegen.YAMLMapping, codegen.YAMLSequence:
		kind := yaml.MappingNode
		if n.Kind == codegen.YAMLSequence {
			kind = yaml.SequenceNode
		}
		yn := &yaml.Node{Kind: kind}
		for _, c := range n.Content {
			cn, err := node(c)
			if err != nil {
				return nil, err
			}
			yn.Content = append(yn.Content, cn)
		}
		return yn, nil
	case codegen.YAMLScalar:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: n.Tag, Value: n.Value}, nil
	case codegen.YAMLJSON:
		var yn yaml.Node
		if err := yaml.Unmarshal([]byte(n.Value), &yn); err != nil {
			return nil, fmt.Errorf("value %s: %w", n.Value, err)
		}
		if yn.Kind == yaml.DocumentNode && len(yn.Content) == 1 {
			return yn.Content[0], nil
		}
		return &yn, nil
	}
	return nil, fmt.Errorf("unknown YAML node kind %q", n.Kind)
}
