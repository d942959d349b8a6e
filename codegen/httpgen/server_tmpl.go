package httpgen

const serverT = `
{{- $svc := . }}
// Server serves the {{ quote .Name }} service over HTTP: unary methods as
// JSON requests and responses, streaming methods as WebSocket endpoints.
type Server struct {
	// Mounts lists the method, verb and path of every handler.
	Mounts []*MountPoint
{{- range .Methods }}
	// {{ .Handler }} serves the {{ quote .Name }} method.
	{{ .Handler }} http.Handler
{{- end }}
	ws *ws.Server
{{- if .AnyResumable }}
	// resume holds the sessions of the resumable methods.
	resume *resume.Manager
{{- end }}
{{- if .AnySSE }}
	// sse serves the methods read as Server-Sent Events.
	sse *sse.Server
{{- end }}
}

// MountPoint is the verb and path a method is served on.
type MountPoint struct {
	// Method is the name of the service method.
	Method string
	// Verb is the HTTP method of the requests.
	Verb string
	// Pattern is the path pattern, as net/http.ServeMux reads it.
	Pattern string
}

// New returns the handlers of every {{ .Name }} endpoint. Streaming methods
// run on wsrv (a new ws.Server with default options when nil), whose
// Shutdown closes every open stream; the metrics wsrv was given
// (ws.WithMetrics) count every method's requests, unary ones included;
// opts configure the unary methods, after the design's options
// (transport.WithSubjectRate, transport.WithIdempotency).
func New(e *{{ .PkgName }}.Endpoints, wsrv *ws.Server, opts ...transport.UnaryOption) *Server {
	if wsrv == nil {
		wsrv = ws.NewServer()
	}
{{- if .AnyResumable }}
	mgr := resume.NewManager()
{{- end }}
{{- if .AnySSE }}
	ssrv := sse.NewServer(wsrv)
{{- end }}
	return &Server{
		Mounts: []*MountPoint{
{{- range $m := .Methods }}
{{- range .Routes }}
			{ {{- quote $m.GoName }}, {{ quote .Verb }}, {{ quote .Pattern }}},
{{- end }}
{{- end }}
		},
{{- range .Methods }}
{{- if .EventStream }}
		{{ .Handler }}: withNames({{ quote .Name }}, transport.EventStreamOr(New{{ .GoName }}EventStreamHandler(e.{{ .Endpoint }}, ssrv), New{{ .GoName }}Handler(e.{{ .Endpoint }}, wsrv{{ if .Resumable }}, mgr{{ end }}))),
{{- else if .Streaming }}
		{{ .Handler }}: withNames({{ quote .Name }}, New{{ .GoName }}Handler(e.{{ .Endpoint }}, wsrv{{ if .Resumable }}, mgr{{ end }})),
{{- else }}
		{{ .Handler }}: withNames({{ quote .Name }}, transport.Measure(wsrv, {{ quote $.Name }}, {{ quote .Name }}, New{{ .GoName }}Handler(e.{{ .Endpoint }}, opts...))),
{{- end }}
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

// withNames stores the service and method names in the request context
// (duplex.ServiceKey, duplex.MethodKey) for endpoint middleware.
func withNames(method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), duplex.ServiceKey, {{ quote .Name }})
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, duplex.MethodKey, method)))
	})
}

// Service returns the name of the service served.
func (s *Server) Service() string { return {{ quote .Name }} }

// Use wraps every handler with the middleware m.
func (s *Server) Use(m func(http.Handler) http.Handler) {
{{- range .Methods }}
	s.{{ .Handler }} = m(s.{{ .Handler }})
{{- end }}
}

// Mount registers every handler on mux.
func (s *Server) Mount(mux *http.ServeMux) {
{{- range $m := .Methods }}
{{- range .Routes }}
	mux.Handle({{ quote (print .Verb " " .Pattern) }}, s.{{ $m.Handler }})
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
// {{ goifyLower .Name }}Endpoint declares the WebSocket endpoint of {{ quote .Name }}.
var {{ goifyLower .Name }}Endpoint = &ws.Endpoint{Service: {{ quote $svc.Name }}, Method: {{ quote .Name }}
{{- if .WSOptions }}, Options: []ws.Option{ {{- join .WSOptions ", " -}} }{{ end }}}

{{- if .Resumable }}
// New{{ .GoName }}Handler returns the handler of the {{ quote .Name }} method:
// its parameters and credentials are read before the WebSocket upgrade, so
// their errors are HTTP responses. Clients that negotiate duplex.v1 get a
// resumable session from mgr (docs/protocol.md, section 2); the others get
// the default wire.
func New{{ .GoName }}Handler(endpoint duplex.Endpoint, wsrv *ws.Server, mgr *resume.Manager) http.Handler {
{{- else }}
// New{{ .GoName }}Handler returns the handler of the {{ quote .Name }} method:
// its parameters and credentials are read before the WebSocket upgrade, so
// their errors are HTTP responses.
func New{{ .GoName }}Handler(endpoint duplex.Endpoint, wsrv *ws.Server) http.Handler {
{{- end }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
{{- if .PayloadRef }}
		payload, err := Decode{{ .GoName }}Request(r)
		if err != nil {
			transport.WriteError(w, err, {{ statuses . }})
			return
		}
{{- end }}
{{- if .Resumable }}
		transport.ServeResumableStream(w, r, wsrv, {{ goifyLower .Name }}Endpoint, mgr, transport.ResumeSubject({{ if .PayloadRef }}payload{{ else }}nil{{ end }}), {{ statuses . }}, func(ctx context.Context, s *transport.ResumableStream) error {
{{- else }}
		transport.ServeStream(w, r, wsrv, {{ goifyLower .Name }}Endpoint, {{ statuses . }}, func(ctx context.Context, s *transport.ServerStream) error {
{{- end }}
			_, err := endpoint(ctx, &{{ $svc.PkgName }}.{{ .GoName }}EndpointInput{ {{- if .PayloadRef }}Payload: payload, {{ end }}Stream: &{{ goifyLower .Name }}ServerStream{s}})
			return err
		})
	})
}
{{- else }}
// New{{ .GoName }}Handler returns the handler of the {{ quote .Name }} method,
// configured by the design's options, then opts.
func New{{ .GoName }}Handler(endpoint duplex.Endpoint, opts ...transport.UnaryOption) http.Handler {
{{- if .UnaryOptions }}
	opts = append([]transport.UnaryOption{ {{- join .UnaryOptions ", " -}} }, opts...)
{{- end }}
	return transport.Unary{{ if not .PayloadRef }}[any]{{ end }}(endpoint, {{ if .PayloadRef }}Decode{{ .GoName }}Request{{ else }}nil{{ end }}, {{ .SuccessStatus }}, {{ statuses . }}, opts...)
}
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
		return {{ zero .PayloadRef }}, transport.Invalid(err)
	}
{{- end }}
	return payload, nil
}
{{ end }}
{{- if .Streaming }}
// {{ goifyLower .Name }}ServerStream implements {{ $svc.PkgName }}.{{ .GoName }}ServerStream.
type {{ goifyLower .Name }}ServerStream struct{ s *transport.{{ if .Resumable }}ResumableStream{{ else }}ServerStream{{ end }} }
{{ $st := print (goifyLower .Name) "ServerStream" }}
{{- if .SendsStream }}
// Send sends one result.
func (s *{{ $st }}) Send(v {{ .StreamResultRef }}) error {
	return s.SendWithContext(context.Background(), v)
}

// SendWithContext sends one result unless ctx ends first.
func (s *{{ $st }}) SendWithContext(ctx context.Context, v {{ .StreamResultRef }}) error {
{{- if .ViewedFn }}
	return s.s.Send(ctx, {{ .ViewedFn }}(v, s.s.View({{ quote .DefaultView }})).Projected)
{{- else }}
	return s.s.Send(ctx, v)
{{- end }}
}
{{- end }}
{{- if .RecvsStream }}

// Recv returns the next message of the client; io.EOF when it ended its stream.
func (s *{{ $st }}) Recv() ({{ .StreamPayloadRef }}, error) {
	return s.RecvWithContext(context.Background())
}

// RecvWithContext is Recv that gives up when ctx ends.
func (s *{{ $st }}) RecvWithContext(ctx context.Context) ({{ .StreamPayloadRef }}, error) {
	return transport.Recv{{ if .Resumable }}Resumable{{ end }}{{ if not .StreamPayloadPtr }}Value{{ end }}[{{ .StreamPayloadType }}](ctx, s.s, {{ .ValidateStream }})
}
{{- end }}
{{- if eq .Stream "client" }}
{{- if .StreamResultRef }}

// SendAndClose sends the result and ends the stream.
func (s *{{ $st }}) SendAndClose(v {{ .StreamResultRef }}) error {
	return s.SendAndCloseWithContext(context.Background(), v)
}

// SendAndCloseWithContext is SendAndClose that gives up when ctx ends.
func (s *{{ $st }}) SendAndCloseWithContext(ctx context.Context, v {{ .StreamResultRef }}) error {
	if err := s.s.Send(ctx, v); err != nil {
		return err
	}
	return s.s.Close()
}
{{- end }}
{{- end }}

// Close ends the stream: the connection closes with 1000 once queued
// messages are written.
func (s *{{ $st }}) Close() error { return s.s.Close() }

{{- if .Resumable }}
// Session returns the resumable session of the stream, nil when the client
// speaks the default wire.
func (s *{{ $st }}) Session() *resume.Session { return s.s.Session() }
{{ end }}
// Conn returns the WebSocket connection of the stream, for fan-out that
// writes pre-encoded frames (hub.Member: ID and SendRaw){{ if .Resumable }};
// nil when the client resumes through Session{{ end }}.
func (s *{{ $st }}) Conn() *ws.Conn { return s.s.Conn() }
{{- if .ViewedFn }}

// SetView sets the view results are projected with.
func (s *{{ $st }}) SetView(view string) { s.s.SetView(view) }
{{- end }}
{{ end }}
{{- if .EventStream }}` + sseMethodT + `
{{- end }}
{{- end }}
`

const pathsT = `
{{- range .Methods }}
// {{ .GoName }}{{ $.GoName }}Path returns the URL path of the {{ quote .Name }} method.
func {{ .GoName }}{{ $.GoName }}Path({{ range $i, $p := .PathArgs }}{{ if $i }}, {{ end }}{{ local $p.Name }} {{ $p.GoType }}{{ end }}) string {
{{- if .PathArgs }}
	return {{ pathExpr . }}
{{- else }}
	return {{ quote .Pattern }}
{{- end }}
}
{{ end }}
`
