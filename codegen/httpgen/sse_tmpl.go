package httpgen

// sseMethodT is the Server-Sent Events side of a server→client method
// whose design says SSEFallback, inside serverT's range over the methods
// ($svc is the service).
const sseMethodT = `
// New{{ .GoName }}EventStreamHandler returns the handler of the {{ quote .Name }}
// method for requests that ask for Server-Sent Events (Accept:
// text/event-stream): the same parameters, credentials and errors as the
// WebSocket endpoint, answered as HTTP before the first event.
{{- if .Resumable }}
// Each event has an id; a client that comes back with Last-Event-ID gets
// the events after it.
{{- end }}
func New{{ .GoName }}EventStreamHandler(endpoint duplex.Endpoint, ssrv *sse.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
{{- if .PayloadRef }}
		payload, err := Decode{{ .GoName }}Request(r)
		if err != nil {
			transport.WriteError(w, err, {{ statuses . }})
			return
		}
{{- end }}
		transport.ServeEventStream(w, r, ssrv, {{ goifyLower .Name }}Endpoint, {{ .Resumable }}, transport.ResumeSubject({{ if .PayloadRef }}payload{{ else }}nil{{ end }}), {{ statuses . }}, func(ctx context.Context, s *transport.EventStream) error {
			_, err := endpoint(ctx, &{{ $svc.PkgName }}.{{ .GoName }}EndpointInput{ {{- if .PayloadRef }}Payload: payload, {{ end }}Stream: &{{ goifyLower .Name }}EventStream{s}})
			return err
		})
	})
}
{{ $es := print (goifyLower .Name) "EventStream" }}
// {{ $es }} implements {{ $svc.PkgName }}.{{ .GoName }}ServerStream over Server-Sent Events.
type {{ $es }} struct{ s *transport.EventStream }

// Send sends one result as an event.
func (s *{{ $es }}) Send(v {{ .StreamResultRef }}) error {
	return s.SendWithContext(context.Background(), v)
}

// SendWithContext sends one result unless ctx ends first.
func (s *{{ $es }}) SendWithContext(ctx context.Context, v {{ .StreamResultRef }}) error {
{{- if .ViewedFn }}
	return s.s.Send(ctx, {{ .ViewedFn }}(v, s.s.View({{ quote .DefaultView }})).Projected)
{{- else }}
	return s.s.Send(ctx, v)
{{- end }}
}

// Close ends the stream: the client gets the end event 1000 once queued
// events are written.
func (s *{{ $es }}) Close() error { return s.s.Close() }

// Events returns the event stream, for fan-out that sends pre-encoded
// frames (hub.Member: ID and SendRaw).
func (s *{{ $es }}) Events() *sse.Stream { return s.s.Events() }
{{- if .ViewedFn }}

// SetView sets the view results are projected with.
func (s *{{ $es }}) SetView(view string) { s.s.SetView(view) }
{{- end }}
`
