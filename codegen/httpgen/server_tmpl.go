package httpgen

const serverT = `
{{- $svc := . }}
// Server serves the {{ quote .Name }} service over HTTP: unary methods as
// JSON requests and responses, streaming methods as WebSocket endpoints.
type Server struct {
	// Mounts lists the method, verb and path of every handler.
	Mounts []*transport.MountPoint
{{- range .Methods }}
	// {{ .Handler }} serves the {{ quote .Name }} method.
	{{ .Handler }} http.Handler
{{- end }}
{{- range .FileServers }}
	// {{ .Field }} serves Files({{ quote .RequestPath }}, {{ quote .FilePath }}).
	{{ .Field }} http.Handler
{{- end }}
	ws *ws.Server
{{- if .AnyResumable }}
	// resume holds the sessions of the resumable methods.
	resume *transport.Sessions
{{- end }}
{{- if .AnySSE }}
	// sse serves the methods read as Server-Sent Events.
	sse *transport.EventStreams
{{- end }}
}

// New returns the handlers of every {{ .Name }} endpoint. Streaming methods
// run on wsrv (a new ws.Server with the default Config when nil), whose
// Shutdown closes every open stream; the metrics wsrv was given
// (ws.Config.Metrics) count every method's requests, unary ones included;
// the fields unary sets configure the unary methods over the design's
// (transport.UnaryConfig: SubjectRate, IdempotencyTTL …).
{{- range .FileServers }}
// {{ .ArgName }} is the file system Files({{ quote .RequestPath }}, {{ quote .FilePath }})
// reads {{ quote .FilePath }} from (http.Dir(".") when nil).
{{- end }}
func New(e *{{ .PkgName }}.Endpoints, wsrv *ws.Server, {{ range .FileServers }}{{ .ArgName }} http.FileSystem, {{ end }}unary ...transport.UnaryConfig) *Server {
	if wsrv == nil {
		wsrv = ws.NewServer(ws.Config{})
	}
{{- if .AnyResumable }}
	mgr := transport.NewSessions()
{{- end }}
{{- if .AnySSE }}
	ssrv := transport.NewEventStreams(wsrv)
{{- end }}
	return &Server{
		Mounts: []*transport.MountPoint{
{{- range $m := .Methods }}
{{- range .Routes }}
			{Method: {{ quote $m.GoName }}, Verb: {{ quote .Verb }}, Pattern: {{ quote .Pattern }}},
{{- end }}
{{- end }}
{{- range $f := .FileServers }}
{{- range .Patterns }}
			{Method: {{ quote (print "Serve " $f.FilePath) }}, Verb: "GET", Pattern: {{ quote . }}},
{{- end }}
{{- end }}
		},
{{- range .Methods }}
{{- if .Streaming }}
		{{ .Handler }}: transport.WithNames({{ quote $.Name }}, {{ quote .Name }}, New{{ .GoName }}Handler(e.{{ .Endpoint }}, wsrv{{ if .Resumable }}, mgr{{ end }}{{ if .EventStream }}, ssrv{{ end }})),
{{- else }}
		{{ .Handler }}: transport.WithNames({{ quote $.Name }}, {{ quote .Name }}, transport.Measure(wsrv, {{ quote $.Name }}, {{ quote .Name }}, New{{ .GoName }}Handler(e.{{ .Endpoint }}, unary...))),
{{- end }}
{{- end }}
{{- range .FileServers }}
		{{ .Field }}: transport.ServeFiles({{ .ArgName }}, {{ quote .FilePath }}, {{ quote .Wildcard }}),
{{- end }}
		ws: wsrv,
{{- if .AnyResumable }}
		resume: mgr,
{{- end }}
{{- if .AnySSE }}
		sse:    ssrv,
{{- end }}
	}
}

// Service returns the name of the service served.
func (s *Server) Service() string { return {{ quote .Name }} }

// Use wraps every handler with the middleware m.
func (s *Server) Use(m func(http.Handler) http.Handler) {
{{- range .Methods }}
	s.{{ .Handler }} = m(s.{{ .Handler }})
{{- end }}
{{- range .FileServers }}
	s.{{ .Field }} = m(s.{{ .Field }})
{{- end }}
}

// Mount registers every handler on mux.
func (s *Server) Mount(mux *http.ServeMux) {
{{- range $m := .Methods }}
{{- range .Routes }}
	mux.Handle({{ quote (print .Verb " " .Pattern) }}, s.{{ $m.Handler }})
{{- end }}
{{- end }}
{{- range $f := .FileServers }}
{{- range .Patterns }}
	mux.Handle({{ quote (print "GET " .) }}, s.{{ $f.Field }})
{{- end }}
{{- end }}
}

{{- if .AnySSE }}
// Shutdown ends every resumable session, closes every open stream with 1001
// (event streams with the end event 1001) and waits for their handlers to
// return or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
{{- if .AnyResumable }}
	err := s.resume.Close(ctx)
{{- else }}
	var err error
{{- end }}
	if serr := s.sse.Shutdown(ctx); err == nil {
		err = serr
	}
	if werr := s.ws.Shutdown(ctx); err == nil {
		err = werr
	}
	return err
}
{{- else if .AnyResumable }}
// Shutdown ends every resumable session, closes every open stream with 1001
// and waits for their handlers to return or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.resume.Close(ctx)
	if werr := s.ws.Shutdown(ctx); err == nil {
		err = werr
	}
	return err
}
{{- else }}
// Shutdown closes every open stream with 1001 and waits for their handlers
// to return or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error { return s.ws.Shutdown(ctx) }
{{- end }}
{{ range .Methods }}
{{- if .Statuses }}
// {{ goifyLower .Name }}Statuses maps the errors of {{ quote .Name }} to their HTTP status.
var {{ goifyLower .Name }}Statuses = transport.Statuses{
{{- range .Statuses }}
	{{ quote .Name }}: {{ .Status }},
{{- end }}
}
{{ end }}
{{- if .Streaming }}
// {{ goifyLower .Name }}Stream is what the design says about the messages of {{ quote .Name }}.
var {{ goifyLower .Name }}Stream = &transport.StreamSpec[{{ .ServerStreamArgs }}]{ {{- if .SpecFields }}
	{{ end }}Endpoint: &ws.Endpoint{Service: {{ quote $svc.Name }}, Method: {{ quote .Name }}
{{- if .WSConfig }}, Config: ws.Config{ {{- join .WSConfig ", " -}} }{{ end }}}{{ if .SpecFields }},{{ end }}
{{- if .Statuses }}
	Statuses: {{ statuses . }},
{{- end }}
{{- if and .RecvsStream (ne .ValidateStream "nil") }}
	Validate: {{ .ValidateStream }},
{{- end }}
{{- if .ViewedFn }}
	View:        func(v {{ .StreamResultRef }}, view string) any { return {{ .ViewedFn }}(v, view).Projected },
	DefaultView: {{ quote .DefaultView }},
{{- end }}
{{- if .SSE }}
	SSEEvent: func(v {{ .StreamResultRef }}) transport.SSEEvent { return transport.SSEEvent{ {{- join .SSE.Fields ", " -}} } },
{{- end }}
{{- if .SpecFields }}
{{ end }}}

// New{{ .GoName }}Handler returns the handler of the {{ quote .Name }} method; errors
// before the upgrade (parameters, credentials) are HTTP responses.
{{- if .Resumable }} Clients that negotiate duplex.v1 get a
// resumable session from mgr (docs/protocol.md, section 2); the others get
// the default wire.
{{- end }}
{{- if .SSE }}
// Requests that are not a WebSocket upgrade get the same stream as
// Server-Sent Events from ssrv, on Goa's wire (ServerSentEvents)
{{- if .SSE.RequestID }}; their Last-Event-ID is
// the payload's {{ .SSE.RequestID }}{{ end }}.
{{- else if .EventStream }}
// Requests that accept text/event-stream get the same stream as
// Server-Sent Events from ssrv{{ if .Resumable }}, resumable with Last-Event-ID{{ end }}.
{{- end }}
func New{{ .GoName }}Handler(endpoint duplex.Endpoint, wsrv *ws.Server{{ if .Resumable }}, mgr *transport.Sessions{{ end }}{{ if .EventStream }}, ssrv *transport.EventStreams{{ end }}) http.Handler {
	return transport.Stream{{ if .EventStream }}OrEvents{{ end }}(wsrv, {{ if .Resumable }}mgr{{ else }}nil{{ end }}, {{ if .EventStream }}ssrv, {{ end }}{{ goifyLower .Name }}Stream, endpoint, {{ if and .SSE .SSE.RequestID }}decode{{ .GoName }}Events{{ else if .PayloadRef }}Decode{{ .GoName }}Request{{ else }}nil{{ end }},
		func({{ if .PayloadRef }}p {{ .PayloadRef }}{{ else }}_ any{{ end }}, s *transport.ServerStream[{{ .ServerStreamArgs }}]) any {
			return &{{ $svc.PkgName }}.{{ .GoName }}EndpointInput{ {{- if .PayloadRef }}Payload: p, {{ end }}Stream: s}
		})
}
{{- if and .SSE .SSE.RequestID }}

// decode{{ .GoName }}Events is Decode{{ .GoName }}Request, then a Last-Event-ID header
// becomes the payload's {{ .SSE.RequestID }} (SSERequestID).
func decode{{ .GoName }}Events(r *http.Request) ({{ .PayloadRef }}, error) {
	p, err := Decode{{ .GoName }}Request(r)
	if err != nil {
		return p, err
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		p.{{ .SSE.RequestID }} = {{ if .SSE.RequestIDPtr }}&{{ end }}id
	}
	return p, nil
}
{{- end }}
{{- else }}
// New{{ .GoName }}Handler returns the handler of the {{ quote .Name }} method,
// configured by the design, then by the fields unary sets.
func New{{ .GoName }}Handler(endpoint duplex.Endpoint, unary ...transport.UnaryConfig) http.Handler {
{{- if .UnaryConfig }}
	unary = append([]transport.UnaryConfig{ { {{- join .UnaryConfig ", " -}} } }, unary...)
{{- end }}
	return transport.Unary{{ if not .PayloadRef }}[any]{{ end }}(endpoint, {{ if .PayloadRef }}Decode{{ .GoName }}Request{{ else }}nil{{ end }}, {{ .SuccessStatus }}, {{ statuses . }}, unary...)
}
{{- if .ResultCookies }}
{{- $m := . }}

// encode{{ .GoName }}Response sets the cookies of the {{ quote .Name }} response from
// the result and returns the body{{ if .NoResultBody }} (none: the whole result is in cookies){{ end }}.
func encode{{ .GoName }}Response(w http.ResponseWriter, v any) any {
	res, ok := v.({{ .ResultRef }})
	if !ok {
		return v
	}
{{- range .ResultCookies }}
{{- if .Pointer }}
	if res.{{ .Field }} != nil {
		http.SetCookie(w, &http.Cookie{Name: {{ quote .Name }}, Value: transport.Format(*res.{{ .Field }}){{ range $m.CookieAttributes }}, {{ . }}{{ end }}})
	}
{{- else }}
	http.SetCookie(w, &http.Cookie{Name: {{ quote .Name }}, Value: transport.Format(res{{ if .Field }}.{{ .Field }}{{ end }}){{ range $m.CookieAttributes }}, {{ . }}{{ end }}})
{{- end }}
{{- end }}
{{- if .NoResultBody }}
	return nil
{{- else }}
	return struct {
{{- range .ResultBodyFields }}
		{{ .Field }} {{ .Ref }} ` + "`" + `json:{{ quote .Tag }}` + "`" + `
{{- end }}
	}{ {{- range $i, $f := .ResultBodyFields }}{{ if $i }}, {{ end }}{{ $f.Field }}: res.{{ $f.Field }}{{ end -}} }
{{- end }}
}
{{- end }}
{{- end }}
{{ if .PayloadRef }}
// Decode{{ .GoName }}Request reads the {{ quote .Name }} payload from r and validates it.
func Decode{{ .GoName }}Request(r *http.Request) ({{ .PayloadRef }}, error) {
{{- if .Body }}
	body, err := transport.DecodeBody[{{ .PayloadType }}](r)
	if err != nil {
		return {{ zero .PayloadRef }}, err
	}
{{- if .PayloadObj }}
	payload := &body
{{- else }}
	payload := body
{{- end }}
{{- else if .PayloadObj }}
	payload := &{{ .PayloadType }}{}
{{- else }}
	var payload {{ .PayloadRef }}
{{- end }}
{{- if .HasParams }}
	p := transport.NewParams(r)
{{- range .Params }}
	{{ target . }} = {{ readParam . }}
{{- end }}
{{- with .Basic }}
{{- if .Pointer }}
	user, password := p.Basic()
	payload.{{ .User }}, payload.{{ .Password }} = &user, &password
{{- else }}
	payload.{{ .User }}, payload.{{ .Password }} = p.Basic()
{{- end }}
{{- end }}
{{- range .Tokens }}
{{- if .Pointer }}
	{{ local .Field }} := {{ readToken . }}
	payload.{{ .Field }} = &{{ local .Field }}
{{- else }}
	payload.{{ .Field }} = {{ readToken . }}
{{- end }}
{{- end }}
	if err := p.Err(); err != nil {
		return {{ zero .PayloadRef }}, err
	}
{{- end }}
{{- if .ValidatePayload }}
	if err := {{ .ValidatePayload }}(payload); err != nil {
		return {{ zero .PayloadRef }}, err
	}
{{- end }}
	return payload, nil
}
{{ end }}
{{- end }}
`

const pathsT = `
{{- range .Methods }}
// {{ .GoName }}{{ $.GoName }}Path returns the URL path of the {{ quote .Name }} method.
func {{ .GoName }}{{ $.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ local $p.Name }} {{ $p.GoType }}{{ end }}) string {
{{- if .PathArgs }}
	return {{ pathExpr . }}
}
{{- else }} return {{ quote .Pattern }} }
{{- end }}
{{ end }}
`
