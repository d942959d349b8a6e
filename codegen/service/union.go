package service

import (
	"fmt"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// A OneOf becomes Goa's sum type: a struct with an unexported kind and one
// field per variant, a <Name>Kind string type with one constant per variant,
// and Kind, New<Name><Variant>, As<Variant>, Set<Variant>, Validate,
// MarshalJSON and UnmarshalJSON, with Goa's names and signatures, so that a
// Goa implementation that switches on Kind compiles unchanged. The JSON is
// Goa's too: {"type": "<variant>", "value": <the variant's JSON>}.
//
// Unlike Goa's, UnmarshalJSON reports a missing or unknown variant name and a
// missing value as validation errors naming the union (HTTP 400 before the
// upgrade, close 1007 on a stream), and an unset union encodes as null
// instead of failing.

// unionData is the sum type of a OneOf.
type unionData struct {
	Name     string // "Event"
	Design   string // name given to OneOf, "event"
	Doc      string
	KindName string // "EventKind"
	TypeKey  string // JSON key of the variant's name, "type"
	ValueKey string // JSON key of the variant's value, "value"
	Variants []*variantData
}

// variantData is one variant of a union.
type variantData struct {
	Name      string // design name, "join"
	KindConst string // "EventKindJoin"
	Field     string // "Join"
	Ref       string // Go type of the variant's value, "*Join"
	Pointer   bool   // Ref is a pointer: null is no value
}

// union returns the template data of the sum type of u.
func union(u *expr.Union, desc string) *unionData {
	name := codegen.GoUnionName(u)
	d := &unionData{
		Name:     name,
		Design:   u.TypeName,
		KindName: name + "Kind",
		TypeKey:  u.GetTypeKey(),
		ValueKey: u.GetValueKey(),
	}
	doc := name + " is a sum-type union."
	if desc != "" {
		doc += "\n\n" + desc
	}
	d.Doc = codegen.Comment(doc)
	for _, nat := range u.Values {
		f := codegen.GoFieldName(nat.Name)
		d.Variants = append(d.Variants, &variantData{
			Name:      nat.Name,
			KindConst: d.KindName + f,
			Field:     f,
			Ref:       codegen.GoTypeRef(nat.Attribute.Type, ""),
			Pointer:   codegen.IsStruct(nat.Attribute.Type),
		})
	}
	return d
}

// unionChecks writes the validations of the variant a union value (target)
// holds: Goa's Validate checks the variant's name only, the variant's own
// validations run with those of the value holding the union.
func (v *validator) unionChecks(u *expr.Union, target, path, context string) {
	kind := codegen.GoUnionName(u) + "Kind"
	var cases []string
	for _, nat := range u.Values {
		f := codegen.GoFieldName(nat.Name)
		sub := &validator{depth: v.depth}
		sub.value(nat.Attribute, target+"."+f, join(path, nat.Name), context)
		if sub.b.Len() == 0 {
			continue
		}
		body := sub.String()
		if codegen.IsStruct(nat.Attribute.Type) {
			body = fmt.Sprintf("if %s.%s != nil {\n%s}\n", target, f, body)
		}
		cases = append(cases, "case "+kind+f+":\n"+body)
	}
	if len(cases) == 0 {
		return
	}
	v.line("switch %s.Kind() {", target)
	for _, c := range cases {
		v.b.WriteString(c)
	}
	v.line("}")
}

const unionT = `
{{- range .Unions }}
{{- $u := . }}
{{ .Doc }}
type {{ .Name }} struct {
	kind {{ .KindName }}
{{- range .Variants }}
	{{ .Field }} {{ .Ref }}
{{- end }}
}

// {{ .KindName }} enumerates the union variants for {{ .Name }}.
type {{ .KindName }} string

const (
{{- range .Variants }}
	// {{ .KindConst }} identifies the {{ .Name }} branch of the union.
	{{ .KindConst }} {{ $u.KindName }} = {{ quote .Name }}
{{- end }}
)

// Kind returns the discriminator value of the union, "" when no branch is
// set.
func (u {{ .Name }}) Kind() {{ .KindName }} {
	return u.kind
}
{{ range .Variants }}
// New{{ $u.Name }}{{ .Field }} constructs a {{ $u.Name }} with the {{ .Name }} branch set.
func New{{ $u.Name }}{{ .Field }}(v {{ .Ref }}) {{ $u.Name }} {
	return {{ $u.Name }}{kind: {{ .KindConst }}, {{ .Field }}: v}
}

// As{{ .Field }} returns the value of the {{ .Name }} branch if set.
func (u {{ $u.Name }}) As{{ .Field }}() (_ {{ .Ref }}, ok bool) {
	if u.kind != {{ .KindConst }} {
		return
	}
	return u.{{ .Field }}, true
}

// Set{{ .Field }} sets the {{ .Name }} branch of the union.
func (u *{{ $u.Name }}) Set{{ .Field }}(v {{ .Ref }}) {
	*u = {{ $u.Name }}{kind: {{ .KindConst }}, {{ .Field }}: v}
}
{{ end }}
// Validate ensures the union discriminant is valid.
func (u {{ .Name }}) Validate() error {
	switch u.kind {
	case {{ range $i, $v := .Variants }}{{ if $i }}, {{ end }}{{ .KindConst }}{{ end }}:
		return nil
	}
	return duplex.InvalidEnumValueError({{ quote (print .Design "." .TypeKey) }}, string(u.kind), []any{ {{- range $i, $v := .Variants }}{{ if $i }}, {{ end }}{{ quote .Name }}{{ end -}} })
}

// MarshalJSON marshals the union into the canonical {{ printf "{%s,%s}" .TypeKey .ValueKey }} JSON shape;
// a union with no branch set is null.
func (u {{ .Name }}) MarshalJSON() ([]byte, error) {
	var value any
	switch u.kind {
	case "":
		return []byte("null"), nil
{{- range .Variants }}
	case {{ .KindConst }}:
		value = u.{{ .Field }}
{{- end }}
	default:
		return nil, u.Validate()
	}
	return json.Marshal(struct {
		Type  string ` + "`" + `json:{{ quote .TypeKey }}` + "`" + `
		Value any    ` + "`" + `json:{{ quote .ValueKey }}` + "`" + `
	}{Type: string(u.kind), Value: value})
}

// UnmarshalJSON unmarshals the union from the canonical {{ printf "{%s,%s}" .TypeKey .ValueKey }} JSON
// shape; null leaves it unset. A missing or unknown {{ quote .TypeKey }} and a missing
// {{ quote .ValueKey }} are validation errors naming the union.
func (u *{{ .Name }}) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type  *string         ` + "`" + `json:{{ quote .TypeKey }}` + "`" + `
		Value json.RawMessage ` + "`" + `json:{{ quote .ValueKey }}` + "`" + `
	}
	if string(data) == "null" {
		*u = {{ .Name }}{}
		return nil
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.Type == nil {
		return duplex.MissingFieldError({{ quote .TypeKey }}, {{ quote .Design }})
	}
	if len(raw.Value) == 0 || string(raw.Value) == "null" {
		if err := (&{{ .Name }}{kind: {{ .KindName }}(*raw.Type)}).Validate(); err != nil {
			return err
		}
		return duplex.MissingFieldError({{ quote .ValueKey }}, {{ quote .Design }})
	}
	switch {{ .KindName }}(*raw.Type) {
{{- range .Variants }}
	case {{ .KindConst }}:
		var v {{ .Ref }}
		if err := json.Unmarshal(raw.Value, &v); err != nil {
			return err
		}
		*u = {{ $u.Name }}{kind: {{ .KindConst }}, {{ .Field }}: v}
{{- end }}
	default:
		return (&{{ .Name }}{kind: {{ .KindName }}(*raw.Type)}).Validate()
	}
	return nil
}
{{ end }}
`
