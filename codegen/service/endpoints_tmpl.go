package service

const endpointsT = `
const _ = duplex.IsAtLeastVersion0_1_0

// Endpoints wraps the {{ quote .Name }} service endpoints.
type Endpoints struct {
{{- range .Methods }}
	// {{ .Field }} calls the {{ quote .Name }} method.
	{{ .Field }} duplex.Endpoint
{{- end }}
}
{{ range .Methods }}
{{- if .Streaming }}
// {{ .GoName }}EndpointInput holds both the payload and the server stream of the
// {{ quote .Name }} method.
type {{ .GoName }}EndpointInput struct {
{{- if .PayloadRef }}
	// Payload is the method payload.
	Payload {{ .PayloadRef }}
{{- end }}
	// Stream is the server stream used by the {{ quote .Name }} method to send data.
	Stream {{ .ServerStream.Name }}
}
{{ end }}
{{- end }}
// NewEndpoints wraps the methods of the {{ quote .Name }} service with endpoints.
{{- if .Auths }} s must
// implement Auther: its methods authorize the requests of secured methods.
{{- end }}
{{- if .ServerInterceptors }}
// si wraps the endpoints of the methods it applies to (nil: none).
{{- end }}
func NewEndpoints(s Service{{ if .ServerInterceptors }}, si ServerInterceptors{{ end }}) *Endpoints {
{{- if .Auths }}
	// Casting service to Auther interface
	a := s.(Auther)
{{- end }}
	{{ if .ServerInterceptors }}endpoints := {{ else }}return {{ end }}&Endpoints{
{{- range .Methods }}
		{{ .Field }}: New{{ .GoName }}Endpoint(s{{ range .AuthParams }}, a.{{ .Kind }}Auth{{ end }}),
{{- end }}
	}
{{- if .ServerInterceptors }}
{{- range .Methods }}
{{- if .ServerInterceptors }}
	endpoints.{{ .Field }} = Wrap{{ .GoName }}Endpoint(endpoints.{{ .Field }}, si)
{{- end }}
{{- end }}
	return endpoints
{{- end }}
}

// Use applies the given middleware to all the {{ quote .Name }} service endpoints.
func (e *Endpoints) Use(m func(duplex.Endpoint) duplex.Endpoint) {
{{- range .Methods }}
	e.{{ .Field }} = m(e.{{ .Field }})
{{- end }}
}
{{ range .Methods }}
// New{{ .GoName }}Endpoint returns an endpoint function that calls the method
// {{ quote .Name }} of service {{ quote $.Name }}.
func New{{ .GoName }}Endpoint(s Service{{ range .AuthParams }}, {{ .Name }} security.Auth{{ .Kind }}Func{{ end }}) duplex.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
{{- if .Streaming }}
		ep := req.(*{{ .GoName }}EndpointInput)
{{- with .AuthCode }}
		{{ . }}
{{- end }}
		return nil, s.{{ .GoName }}(ctx, {{ if .PayloadRef }}ep.Payload, {{ end }}ep.Stream)
{{- else }}
{{- if .PayloadRef }}
		p := req.({{ .PayloadRef }})
{{- end }}
{{- with .AuthCode }}
		{{ . }}
{{- end }}
{{- if not .ResultRef }}
		return nil, s.{{ .GoName }}(ctx{{ if .PayloadRef }}, p{{ end }})
{{- else if .ViewedNew }}
		res, {{ if .ViewParam }}view, {{ end }}err := s.{{ .GoName }}(ctx{{ if .PayloadRef }}, p{{ end }})
		if err != nil {
			return nil, err
		}
		return {{ .ViewedNew }}(res, {{ if .ViewParam }}view{{ else }}{{ quote .ResultView }}{{ end }}).Projected, nil
{{- else }}
		return s.{{ .GoName }}(ctx{{ if .PayloadRef }}, p{{ end }})
{{- end }}
{{- end }}
	}
}
{{ end }}
`
