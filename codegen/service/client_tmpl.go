package service

const clientT = `
const _ = duplex.IsAtLeastVersion0_1_0

// Client is the {{ quote .Name }} service client.
type Client struct {
{{- range .Methods }}
	// {{ .ClientField }} is the transport endpoint of the {{ quote .Name }} method.
	{{ .ClientField }} duplex.Endpoint
{{- end }}
}

// NewClient initializes a {{ quote .Name }} service client given the endpoints.
{{- if .ClientInterceptors }}
// ci wraps the endpoints of the methods it applies to (nil: none).
{{- end }}
func NewClient({{ range $i, $m := .Methods }}{{ if $i }}, {{ end }}{{ $m.VarName }}{{ end }} duplex.Endpoint{{ if .ClientInterceptors }}, ci ClientInterceptors{{ end }}) *Client {
	return &Client{
{{- range .Methods }}
		{{ .ClientField }}: {{ if .ClientInterceptors }}Wrap{{ .GoName }}ClientEndpoint({{ .VarName }}, ci){{ else }}{{ .VarName }}{{ end }},
{{- end }}
	}
}
{{ range .Methods }}
// {{ .GoName }} calls the {{ quote .Name }} endpoint of the {{ quote $.Name }} service.
{{- if .Errors }}
// {{ .GoName }} may return the following errors:
{{- range .Errors }}
//   - {{ . }}
{{- end }}
{{- end }}
{{- if .Streaming }}
func (c *Client) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) (res {{ .ClientStream.Name }}, err error) {
	var ires any
	ires, err = c.{{ .ClientField }}(ctx, {{ if .PayloadRef }}p{{ else }}nil{{ end }})
	if err != nil {
		return
	}
	return ires.({{ .ClientStream.Name }}), nil
}
{{- else if .ResultRef }}
func (c *Client) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) (res {{ .ResultRef }}, err error) {
	var ires any
	ires, err = c.{{ .ClientField }}(ctx, {{ if .PayloadRef }}p{{ else }}nil{{ end }})
	if err != nil {
		return
	}
	return ires.({{ .ResultRef }}), nil
}
{{- else }}
func (c *Client) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) (err error) {
	_, err = c.{{ .ClientField }}(ctx, {{ if .PayloadRef }}p{{ else }}nil{{ end }})
	return
}
{{- end }}
{{ end }}
`
