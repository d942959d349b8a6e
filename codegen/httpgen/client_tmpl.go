package httpgen

const clientT = `
{{- $svc := . }}
// Client calls the {{ quote .Name }} service over HTTP and WebSocket.
type Client struct {
	scheme, host string
	doer         *http.Client
	streams      *transport.Dialer
}

// NewClient returns a client for the service at scheme://host. doer sends
// unary requests (http.DefaultClient when nil); dial configures every
// WebSocket stream (its zero value: the defaults). With a duplex.dev/mux
// Client as doer's Transport, streams and unary calls share one connection
// when the server offers it.
func NewClient(scheme, host string, doer *http.Client, dial ws.DialConfig) *Client {
	if doer == nil {
		doer = http.DefaultClient
	}
	return &Client{scheme: scheme, host: host, doer: doer, streams: &transport.Dialer{Scheme: scheme, Host: host, Config: dial, Doer: doer}}
}
{{- if .AnyResumable }}

// WithResumeOptions configures the resumable streams of c (the retry
// policy, resume.WithStateFunc to follow reconnections in a UI, buffers)
// and returns c. Call it before the first stream.
func (c *Client) WithResumeOptions(opts ...transport.ResumeOption) *Client {
	c.streams.ResumeOptions = append(c.streams.ResumeOptions, opts...)
	return c
}
{{- end }}
{{ range .Methods }}
// {{ .GoName }} returns the endpoint of the {{ quote .Name }} method
{{- if .Streaming }}; its result is a {{ $svc.PkgName }}.{{ .GoName }}ClientStream{{ end }}.
func (c *Client) {{ .GoName }}() duplex.Endpoint {
	return func(ctx context.Context, v any) (any, error) {
{{- if .PayloadRef }}
		payload, ok := v.({{ .PayloadRef }})
		if !ok {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: payload is %T, want {{ .PayloadRef }}", v)
		}
{{- end }}
{{- if or (not .Streaming) .HasParams .Tokens }}
		q := url.Values{}
		h := http.Header{}
{{- end }}
{{- range .Params }}
{{- if ne .Source "transport.Path" }}
{{ setParam . }}
{{- end }}
{{- end }}
{{- range .Tokens }}
{{- if .Pointer }}
		if payload.{{ .Field }} != nil {
			{{ setToken . (print "*payload." .Field) }}
		}
{{- else }}
		{{ setToken . (print "payload." .Field) }}
{{- end }}
{{- end }}
{{- if .SSE }}
		return transport.DialEvents[{{ .ClientStreamArgs }}](ctx, c.doer, c.scheme, c.host, "{{ $svc.Name }} {{ .Name }}", {{ .GoName }}{{ $svc.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ pathArg $p }}{{ end }}), {{ if or .HasParams .Tokens }}q, h{{ else }}nil, nil{{ end }},
{{- if .SSE.Build }} transport.EventMessage(func(ev transport.SSEClientEvent, v *{{ .StreamResultType }}) error {
{{- range .SSE.Build }}
			{{ . }}
{{- end }}
			return nil
		}))
{{- else }} nil)
{{- end }}
	}
}
{{- else if .Streaming }}
		return transport.Dial[{{ .ClientStreamArgs }}](ctx, c.streams, "{{ $svc.Name }} {{ .Name }}", {{ .GoName }}{{ $svc.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ pathArg $p }}{{ end }}), {{ if or .HasParams .Tokens }}q, h{{ else }}nil, nil{{ end }}, {{ .Resumable }}{{ range .DialSubprotocols }}, {{ . }}{{ end }})
	}
}
{{- else }}
		path := {{ .GoName }}{{ $svc.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ pathArg $p }}{{ end }})
{{- if .BodyFields }}
		body := struct {
{{- range .BodyFields }}
			{{ .Field }} {{ .Ref }} ` + "`" + `json:{{ quote .Tag }}` + "`" + `
{{- end }}
		}{ {{- range $i, $f := .BodyFields }}{{ if $i }}, {{ end }}{{ $f.Field }}: payload.{{ $f.Field }}{{ end -}} }
{{- end }}
		req, err := transport.NewRequest(ctx, {{ quote .Verb }}, transport.URL(c.scheme, c.host, path, q), {{ if .BodyFields }}body{{ else if .Body }}payload{{ else }}nil{{ end }})
		if err != nil {
			return nil, err
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
{{- with .Basic }}
{{- if .Pointer }}
		if payload.{{ .User }} != nil && payload.{{ .Password }} != nil {
			transport.SetBasic(req, *payload.{{ .User }}, *payload.{{ .Password }})
		}
{{- else }}
		transport.SetBasic(req, payload.{{ .User }}, payload.{{ .Password }})
{{- end }}
{{- end }}
{{- if .ResultCookies }}
{{- $m := . }}
		res, cookies, err := transport.DoWithCookies[{{ .ResultType }}](c.doer, req)
		if err != nil {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: %w", err)
		}
{{- range .ResultCookies }}
		if v, ok, err := transport.ResponseCookie[{{ .GoType }}](cookies, {{ quote .Name }}); err != nil {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ $m.Name }}: %w", err)
		} else if ok {
			res{{ if .Field }}.{{ .Field }}{{ end }} = {{ if .Pointer }}&{{ end }}v
		}
{{- end }}
		return {{ if .ResultPtr }}&{{ end }}res, nil
{{- else if .ResultRef }}
		res, err := transport.Do[{{ .ResultType }}](c.doer, req)
		if err != nil {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: %w", err)
		}
		return {{ if .ResultPtr }}&{{ end }}res, nil
{{- else }}
		if _, err := transport.Do[any](c.doer, req); err != nil {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: %w", err)
		}
		return nil, nil
{{- end }}
	}
}
{{- end }}
{{- end }}
`
