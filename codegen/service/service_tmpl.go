package service

const serviceT = `
const _ = duplex.IsAtLeastVersion0_1_0

{{ if .Description }}{{ comment .Description }}{{ else }}// Service is the {{ .Name }} service interface.{{ end }}
type Service interface {
{{- range .Methods }}
	{{ if .Description }}{{ comment .Description }}{{ else }}// {{ .GoName }} implements {{ .Name }}.{{ end }}
{{- if .ViewParam }}
	// The "view" return value must be one of the views of the result:
{{- range .Views }}
	//	- {{ quote . }}
{{- end }}
{{- end }}
	{{ .Sig }}
{{- end }}
}
{{- if .Auths }}

// Auther defines the authorization functions to be implemented by the service.
type Auther interface {
{{- range .Auths }}
	// {{ .Kind }}Auth implements the authorization logic for the {{ .Kind }} security scheme.
	{{ .Kind }}Auth(ctx context.Context, {{ .Params }}, schema *security.{{ .Kind }}Scheme) (context.Context, error)
{{- end }}
}
{{- end }}

// APIName is the name of the API as defined in the design.
const APIName = {{ quote .APIName }}

// APIVersion is the version of the API as defined in the design.
const APIVersion = {{ quote .APIVersion }}

// ServiceName is the name of the service as defined in the design. This is the
// same value that is set in the endpoint request contexts under the ServiceKey
// key.
const ServiceName = {{ quote .Name }}

// MethodNames lists the service method names as defined in the design. These
// are the same values that are set in the endpoint request contexts under the
// MethodKey key.
var MethodNames = [{{ len .Methods }}]string{ {{- range $i, $m := .Methods }}{{ if $i }}, {{ end }}{{ quote $m.Name }}{{ end -}} }
{{ range .Methods }}
{{- if .Streaming }}
{{ .ServerStream.Doc }}
type {{ .ServerStream.Name }} interface {
{{- range .ServerStream.Methods }}
	{{ .Doc }}
	{{ .Sig }}
{{- end }}
}

{{ .ClientStream.Doc }}
type {{ .ClientStream.Name }} interface {
{{- range .ClientStream.Methods }}
	{{ .Doc }}
	{{ .Sig }}
{{- end }}
}
{{ end }}
{{- end }}
{{- range .Types }}
{{ .Doc }}
type {{ .Name }} {{ .Def }}
{{ end }}
{{- range .Errors }}
{{- if .Doc }}
{{ .Doc }}
//
{{- end }}
{{ comment (print "Make" .GoName " builds a *duplex.ServiceError named " (quote .Name) " from err, for the service to return.") }}
func Make{{ .GoName }}(err error) *duplex.ServiceError {
	return duplex.NewServiceError(err, {{ quote .Name }}, {{ .Timeout }}, {{ .Temporary }}, {{ .Fault }})
}
{{ end }}
{{- range .Types }}
{{- with .Error }}
// Error returns an error description.
func (e {{ .Recv }}) Error() string {
	{{ .Body }}
}

// ErrorName returns {{ quote .Name }}.
//
// Deprecated: Use GoaErrorName, kept from Goa.
func (e {{ .Recv }}) ErrorName() string {
	return e.GoaErrorName()
}

// GoaErrorName returns {{ quote .Name }}.
func (e {{ .Recv }}) GoaErrorName() string {
	return {{ quote .Name }}
}
{{ end }}
{{- end }}
{{- range .Types }}
{{- if .Shadow }}
// UnmarshalJSON decodes data into v. The required attributes that data lacks
// (or sets to null) are reported as "missing_field" validation errors, merged
// with those of nested values (see duplex.MissingFieldError){{ if .Defaults }}; the optional attributes that data lacks
// get their default value from the design{{ end }}.
func (v *{{ .Name }}) UnmarshalJSON(data []byte) error {
	type plain {{ .Name }}
	var s struct {
		plain
{{- range .Shadow }}
		{{ .Field }} {{ .Ref }} ` + "`" + `json:{{ quote .Name }}` + "`" + `
{{- end }}
	}
{{- if .Defaults }}
	s.plain = plain{ {{- .Defaults -}} }
{{- end }}
	err := json.Unmarshal(data, &s)
	if err != nil && duplex.CodeOf(err) != duplex.CodeInvalid {
		return err // not JSON, or not the design's types
	}
	{{ .Convert }}
	if err != nil {
		return err
	}
	*v = {{ .Name }}(s.plain)
	return nil
}
{{ else if .Defaults }}
// UnmarshalJSON decodes data into v; the attributes that data lacks get their
// default value from the design.
func (v *{{ .Name }}) UnmarshalJSON(data []byte) error {
	type plain {{ .Name }}
	p := plain{ {{- .Defaults -}} }
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*v = {{ .Name }}(p)
	return nil
}
{{ end }}
{{- end }}
{{- range .Types }}
{{- if .Struct }}
{{ comment (print "Validate" .Name " runs the validations of the design on v and returns every violation, merged.") }}
func Validate{{ .Name }}(v *{{ .Name }}) (err error) {
{{- with .Validate }}
	{{ . }}
{{- end }}
	return
}
{{ end }}
{{- end }}
{{- range .Validators }}
{{ comment (print .Name " runs the validations of the design on v and returns every violation, merged.") }}
func {{ .Name }}(v {{ .Ref }}) (err error) {
{{- with .Body }}
	{{ . }}
{{- end }}
	return
}
{{ end }}
{{- range .Viewed }}
{{- $vd := . }}
{{ comment (print .ViewedName " is " .Name " projected with a view. Projected is the value transports encode.") }}
type {{ .ViewedName }} struct {
	// Projected holds the attributes of the view.
	Projected {{ .ProjRef }}
	// View is the name of the view.
	View string
}

// {{ .ViewName }} is {{ .Name }} with only the attributes of a view set.
type {{ .ViewName }} {{ .ProjDef }}

// NewViewed{{ .Name }} projects res with the given view; the default view
// ({{ quote .Default }}) when view is empty or unknown.
func NewViewed{{ .Name }}(res {{ .Ref }}, view string) *{{ .ViewedName }} {
{{- if .Collection }}
	switch view {
	case {{ range $i, $v := .Views }}{{ if $i }}, {{ end }}{{ quote $v.Name }}{{ end }}:
	default:
		view = {{ quote .Default }}
	}
	p := make({{ .ViewName }}, len(res))
	for i, r := range res {
		p[i] = NewViewed{{ .Collection.Name }}(r, view).Projected
	}
	return &{{ .ViewedName }}{Projected: p, View: view}
{{- else }}
	if res == nil {
		return &{{ .ViewedName }}{View: view}
	}
	switch view {
{{- range .Views }}
{{- if ne .Name $vd.Default }}
	case {{ quote .Name }}:
		return &{{ $vd.ViewedName }}{Projected: {{ .Project }}, View: {{ quote .Name }}}
{{- end }}
{{- end }}
	}
{{- range .Views }}
{{- if eq .Name $vd.Default }}
	return &{{ $vd.ViewedName }}{Projected: {{ .Project }}, View: {{ quote .Name }}}
{{- end }}
{{- end }}
{{- end }}
}

{{ comment (print "New" .Name " returns the " .Name " a viewed value was projected from, with the attributes outside the view unset.") }}
func New{{ .Name }}(vres *{{ .ViewedName }}) {{ .Ref }} {
{{- if .Collection }}
	res := make({{ .Name }}, len(vres.Projected))
	for i, p := range vres.Projected {
		res[i] = New{{ .Collection.Name }}(&{{ .Collection.ViewedName }}{Projected: p, View: vres.View})
	}
	return res
{{- else }}
	res := &{{ .Name }}{}
	p := vres.Projected
	if p == nil {
		return res
	}
{{- with .ToResult }}
	{{ . }}
{{- end }}
	return res
{{- end }}
}
{{ end }}
`
