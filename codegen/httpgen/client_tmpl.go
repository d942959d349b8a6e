package httpgen

const clientT = `
{{- $svc := . }}
// Client calls the {{ quote .Name }} service over HTTP and WebSocket.
type Client struct {
	scheme, host string
	doer         *http.Client
	dialOptions  []ws.DialOption
{{- if .AnyResumable }}
	resumeOptions []resume.ClientOption
{{- end }}
}

// NewClient returns a client for the service at scheme://host. doer sends
// unary requests (http.DefaultClient when nil); dialOptions apply to every
// WebSocket stream.
func NewClient(scheme, host string, doer *http.Client, dialOptions ...ws.DialOption) *Client {
	if doer == nil {
		doer = http.DefaultClient
	}
	return &Client{scheme: scheme, host: host, doer: doer, dialOptions: dialOptions}
}
{{- if .AnyResumable }}

// WithResumeOptions configures the resumable streams of c (the retry
// policy, resume.WithStateFunc to follow reconnections in a UI, buffers)
// and returns c. Call it before the first stream.
func (c *Client) WithResumeOptions(opts ...resume.ClientOption) *Client {
	c.resumeOptions = append(c.resumeOptions, opts...)
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
		q := url.Values{}
		h := http.Header{}
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
		path := {{ .GoName }}{{ $svc.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ pathArg $p }}{{ end }})
{{- if .Streaming }}
		opts := append([]ws.DialOption{ws.WithHeader(h){{ range .DialOptions }}, {{ . }}{{ end }}}, c.dialOptions...)
{{- if .Resumable }}
		conn, err := transport.DialResumable(ctx, transport.URL(transport.WebSocketScheme(c.scheme), c.host, path, q), opts, c.resumeOptions...)
{{- else }}
		conn, err := ws.Dial(ctx, transport.URL(transport.WebSocketScheme(c.scheme), c.host, path, q), opts...)
{{- end }}
		if err != nil {
			return nil, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: %w", err)
		}
		return &{{ goifyLower .Name }}ClientStream{conn}, nil
	}
}
{{- else }}
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
{{ if .Streaming }}
{{- $st := print (goifyLower .Name) "ClientStream" }}
// {{ $st }} implements {{ $svc.PkgName }}.{{ .GoName }}ClientStream.
{{- if .Resumable }}
// It resumes after a dropped connection without losing or repeating a
// message when the server speaks duplex.v1.
type {{ $st }} struct{ c *resume.Stream }
{{- else }}
type {{ $st }} struct{ c *ws.ClientConn }
{{- end }}
{{ if .RecvsStream }}
// Send sends one message.
func (s *{{ $st }}) Send(v {{ .StreamPayloadRef }}) error {
	return s.SendWithContext(context.Background(), v)
}

// SendWithContext sends one message unless ctx ends first.
func (s *{{ $st }}) SendWithContext(ctx context.Context, v {{ .StreamPayloadRef }}) error {
	return s.c.Send(ctx, v)
}

// CloseSend ends the client's side of the stream (a JSON null frame).
func (s *{{ $st }}) CloseSend(ctx context.Context) error { return s.c.CloseSend(ctx) }
{{ end }}
{{- if .SendsStream }}
// Recv returns the next result; io.EOF when the server ended the stream.
func (s *{{ $st }}) Recv() ({{ .StreamResultRef }}, error) {
	return s.RecvWithContext(context.Background())
}

// RecvWithContext is Recv that gives up when ctx ends.
func (s *{{ $st }}) RecvWithContext(ctx context.Context) ({{ .StreamResultRef }}, error) {
	return transport.Receive{{ if .Resumable }}Resumable{{ end }}{{ if not .StreamResultPtr }}Value{{ end }}[{{ .StreamResultType }}](ctx, s.c)
}
{{ end }}
{{- if and (eq .Stream "client") .StreamResultRef }}
// CloseAndRecv ends the stream and returns the server's result.
func (s *{{ $st }}) CloseAndRecv() ({{ .StreamResultRef }}, error) {
	return s.CloseAndRecvWithContext(context.Background())
}

// CloseAndRecvWithContext is CloseAndRecv that gives up when ctx ends.
func (s *{{ $st }}) CloseAndRecvWithContext(ctx context.Context) ({{ .StreamResultRef }}, error) {
	return transport.CloseAndReceive{{ if .Resumable }}Resumable{{ end }}{{ if not .StreamResultPtr }}Value{{ end }}[{{ .StreamResultType }}](ctx, s.c)
}
{{ end }}
// Close ends the stream and releases the connection.
{{- if .Resumable }}
func (s *{{ $st }}) Close() error { return s.c.Close() }
{{- else }}
func (s *{{ $st }}) Close() error { return transport.CloseClient(s.c) }
{{- end }}
{{ end }}
{{- end }}
`
