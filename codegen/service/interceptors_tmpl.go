package service

// The interceptor files have Goa's shape (service_interceptors.go,
// client_interceptors.go, interceptor_wrappers.go) so that a Goa
// implementation of ServerInterceptors or ClientInterceptors compiles
// against them.

const serverInterceptorsT = `
// ServerInterceptors defines the interface for all server-side interceptors.
// Server interceptors execute after the request is decoded and before the
// payload is sent to the service. The implementation is responsible for calling
// next to complete the request.
type ServerInterceptors interface {
{{- range .ServerInterceptors }}
{{- if .Description }}
	{{ comment .Description }}
{{- end }}
	{{ .Name }}(ctx context.Context, info *{{ .Name }}Info, next duplex.Endpoint) (any, error)
{{- end }}
}
{{ template "infos" .ServerInfos }}
{{- range $m := .Methods }}
{{- if .ServerInterceptors }}

// Wrap{{ .GoName }}Endpoint wraps the {{ quote .Name }} endpoint with the server-side
// interceptors defined in the design.
func Wrap{{ .GoName }}Endpoint(endpoint duplex.Endpoint, i ServerInterceptors) duplex.Endpoint {
	if i != nil {
{{- range .ServerInterceptors }}
		endpoint = wrap{{ $m.GoName }}{{ . }}(endpoint, i)
{{- end }}
	}
	return endpoint
}
{{- end }}
{{- end }}
`

const clientInterceptorsT = `
// ClientInterceptors defines the interface for all client-side interceptors.
// Client interceptors execute after the payload is encoded and before the request
// is sent to the server. The implementation is responsible for calling next to
// complete the request.
type ClientInterceptors interface {
{{- range .ClientInterceptors }}
{{- if .Description }}
	{{ comment .Description }}
{{- end }}
	{{ .Name }}(ctx context.Context, info *{{ .Name }}Info, next duplex.Endpoint) (any, error)
{{- end }}
}
{{ template "infos" .ClientInfos }}
{{- range $m := .Methods }}
{{- if .ClientInterceptors }}

// Wrap{{ .GoName }}ClientEndpoint wraps the {{ quote .Name }} endpoint with the client
// interceptors defined in the design.
func Wrap{{ .GoName }}ClientEndpoint(endpoint duplex.Endpoint, i ClientInterceptors) duplex.Endpoint {
	if i != nil {
{{- range .ClientInterceptors }}
		endpoint = wrapClient{{ $m.GoName }}{{ . }}(endpoint, i)
{{- end }}
	}
	return endpoint
}
{{- end }}
{{- end }}
`

// infosT declares the <Name>Info types, their accessor interfaces and the
// private types implementing them.
const infosT = `
{{- define "fields" }}
{{- range .Read }}
		{{ .Name }}() {{ .TypeRef }}
{{- end }}
{{- range .Write }}
		Set{{ .Name }}({{ .TypeRef }})
{{- end }}
{{- end }}
{{- define "accessors" }}
{{- $recv := .Recv }}{{ $type := .Type }}{{ $field := .Field }}
{{- range .Read }}

func ({{ $recv }} *{{ $type }}) {{ .Name }}() {{ .TypeRef }} {
{{- if .Pointer }}
	if {{ $recv }}.{{ $field }}.{{ .Name }} == nil {
		var zero {{ .TypeRef }}
		return zero
	}
	return *{{ $recv }}.{{ $field }}.{{ .Name }}
{{- else }}
	return {{ $recv }}.{{ $field }}.{{ .Name }}
{{- end }}
}
{{- end }}
{{- range .Write }}

func ({{ $recv }} *{{ $type }}) Set{{ .Name }}(v {{ .TypeRef }}) {
{{- if .Pointer }}
	{{ $recv }}.{{ $field }}.{{ .Name }} = &v
{{- else }}
	{{ $recv }}.{{ $field }}.{{ .Name }} = v
{{- end }}
}
{{- end }}
{{- end }}
{{- define "infos" }}
{{- if . }}
// Access interfaces for interceptor payloads and results
type (
{{- range $k, $_ := . }}
{{- if $k }}
{{ end }}
	// {{ .Name }}Info provides metadata about the current interception.
	// It includes service name, method name, and access to the endpoint.
	{{ .Name }}Info struct {
		service    string
		method     string
		callType   duplex.InterceptorCallType
		rawPayload any
	}
{{- if .HasPayloadAccess }}

	// {{ .Name }}Payload provides type-safe access to the method payload.
	// It allows reading and writing specific fields of the payload as defined
	// in the design.
	{{ .Name }}Payload interface {
{{- template "fields" (dict "Read" .ReadPayload "Write" .WritePayload) }}
	}
{{- end }}
{{- if .HasResultAccess }}

	// {{ .Name }}Result provides type-safe access to the method result.
	// It allows reading and writing specific fields of the result as defined
	// in the design.
	{{ .Name }}Result interface {
{{- template "fields" (dict "Read" .ReadResult "Write" .WriteResult) }}
	}
{{- end }}
{{- if .HasStreamingPayloadAccess }}

	// {{ .Name }}StreamingPayload provides type-safe access to the method streaming payload.
	// It allows reading and writing specific fields of the streaming payload as defined
	// in the design.
	{{ .Name }}StreamingPayload interface {
{{- template "fields" (dict "Read" .ReadStreamingPayload "Write" .WriteStreamingPayload) }}
	}
{{- end }}
{{- if .HasStreamingResultAccess }}

	// {{ .Name }}StreamingResult provides type-safe access to the method streaming result.
	// It allows reading and writing specific fields of the streaming result as defined
	// in the design.
	{{ .Name }}StreamingResult interface {
{{- template "fields" (dict "Read" .ReadStreamingResult "Write" .WriteStreamingResult) }}
	}
{{- end }}
{{- end }}
{{- range . }}
{{- range .Methods }}
{{- if .PayloadAccess }}

	{{ .PayloadAccess }} struct {
		payload {{ .PayloadRef }}
	}
{{- end }}
{{- if .ResultAccess }}

	{{ .ResultAccess }} struct {
		result {{ .ResultRef }}
	}
{{- end }}
{{- if .StreamingPayloadAccess }}

	{{ .StreamingPayloadAccess }} struct {
		payload {{ .StreamingPayloadRef }}
	}
{{- end }}
{{- if .StreamingResultAccess }}

	{{ .StreamingResultAccess }} struct {
		result {{ .StreamingResultRef }}
	}
{{- end }}
{{- end }}
{{- end }}
)
{{- range . }}
{{- $i := . }}

// Service returns the name of the service handling the request.
func (info *{{ .Name }}Info) Service() string {
	return info.service
}

// Method returns the name of the method handling the request.
func (info *{{ .Name }}Info) Method() string {
	return info.method
}

// CallType returns the type of call the interceptor is handling.
func (info *{{ .Name }}Info) CallType() duplex.InterceptorCallType {
	return info.callType
}

// RawPayload returns the raw payload of the request.
func (info *{{ .Name }}Info) RawPayload() any {
	return info.rawPayload
}
{{- if .HasPayloadAccess }}

// Payload returns a type-safe accessor for the method payload.
func (info *{{ .Name }}Info) Payload() {{ .Name }}Payload {
	switch info.method {
{{- range .Methods }}
	case {{ quote .Name }}:
{{- if .Streaming }}
		if ep, ok := info.rawPayload.(*{{ .GoName }}EndpointInput); ok {
			return &{{ .PayloadAccess }}{payload: ep.Payload}
		}
{{- end }}
		return &{{ .PayloadAccess }}{payload: info.rawPayload.({{ .PayloadRef }})}
{{- end }}
	}
	return nil
}
{{- end }}
{{- if .HasResultAccess }}

// Result returns a type-safe accessor for the method result.
func (info *{{ .Name }}Info) Result(res any) {{ .Name }}Result {
	switch info.method {
{{- range .Methods }}
	case {{ quote .Name }}:
		return &{{ .ResultAccess }}{result: res.({{ .ResultRef }})}
{{- end }}
	}
	return nil
}
{{- end }}
{{- if .HasStreamingPayloadAccess }}

// ClientStreamingPayload returns a type-safe accessor for the method streaming payload for a client-side interceptor.
func (info *{{ .Name }}Info) ClientStreamingPayload() {{ .Name }}StreamingPayload {
	return info.ServerStreamingPayload(info.rawPayload)
}

// ServerStreamingPayload returns a type-safe accessor for the method streaming payload for a server-side interceptor.
func (info *{{ .Name }}Info) ServerStreamingPayload(pay any) {{ .Name }}StreamingPayload {
	switch info.method {
{{- range .Methods }}
	case {{ quote .Name }}:
		return &{{ .StreamingPayloadAccess }}{payload: pay.({{ .StreamingPayloadRef }})}
{{- end }}
	}
	return nil
}
{{- end }}
{{- if .HasStreamingResultAccess }}

// ClientStreamingResult returns a type-safe accessor for the method streaming result for a client-side interceptor.
func (info *{{ .Name }}Info) ClientStreamingResult(res any) {{ .Name }}StreamingResult {
	switch info.method {
{{- range .Methods }}
	case {{ quote .Name }}:
		return &{{ .StreamingResultAccess }}{result: res.({{ .StreamingResultRef }})}
{{- end }}
	}
	return nil
}

// ServerStreamingResult returns a type-safe accessor for the method streaming result for a server-side interceptor.
func (info *{{ .Name }}Info) ServerStreamingResult() {{ .Name }}StreamingResult {
	return info.ClientStreamingResult(info.rawPayload)
}
{{- end }}
{{- range .Methods }}
{{- if .PayloadAccess }}
{{- template "accessors" (dict "Recv" "p" "Type" .PayloadAccess "Field" "payload" "Read" .ReadPayload "Write" .WritePayload) }}
{{- end }}
{{- if .ResultAccess }}
{{- template "accessors" (dict "Recv" "r" "Type" .ResultAccess "Field" "result" "Read" .ReadResult "Write" .WriteResult) }}
{{- end }}
{{- if .StreamingPayloadAccess }}
{{- template "accessors" (dict "Recv" "p" "Type" .StreamingPayloadAccess "Field" "payload" "Read" .ReadStreamingPayload "Write" .WriteStreamingPayload) }}
{{- end }}
{{- if .StreamingResultAccess }}
{{- template "accessors" (dict "Recv" "r" "Type" .StreamingResultAccess "Field" "result" "Read" .ReadStreamingResult "Write" .WriteStreamingResult) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
`

// wrappersT is interceptor_wrappers.go: one function per interceptor and
// method, and the stream wrappers that run streaming interceptors around
// every Send and Recv.
const wrappersT = `
{{- range $s := .ServerInterceptors }}
{{- range .Methods }}

// wrap{{ .GoName }}{{ $s.Name }} applies the {{ $s.DesignName }} server interceptor to endpoints.
func wrap{{ .GoName }}{{ $s.Name }}(endpoint duplex.Endpoint, i ServerInterceptors) duplex.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
{{- if and $s.HasStreamingAccess .ServerStream }}
		ep := req.(*{{ .GoName }}EndpointInput)
		stream := ep.Stream
		ep.Stream = &wrapped{{ .ServerStream.Name }}{
			ctx: ctx,
{{- if $s.HasStreamingResultAccess }}
			sendWithContext: func(ctx context.Context, v {{ .ServerStream.SendRef }}) error {
				info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorStreamingSend, rawPayload: v}
				_, err := i.{{ $s.Name }}(ctx, info, func(ctx context.Context, req any) (any, error) {
					castReq, _ := req.({{ .ServerStream.SendRef }})
					return nil, stream.{{ .ServerStream.SendName }}WithContext(ctx, castReq)
				})
				return err
			},
{{- end }}
{{- if $s.HasStreamingPayloadAccess }}
			recvWithContext: func(ctx context.Context) ({{ .ServerStream.RecvRef }}, error) {
				info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorStreamingRecv}
				res, err := i.{{ $s.Name }}(ctx, info, func(ctx context.Context, _ any) (any, error) {
					return stream.{{ .ServerStream.RecvName }}WithContext(ctx)
				})
				castRes, _ := res.({{ .ServerStream.RecvRef }})
				return castRes, err
			},
{{- end }}
			stream: stream,
		}
{{- if not $s.HasPayloadAccess }}
		return endpoint(ctx, req)
{{- end }}
{{- end }}
{{- if or (not $s.HasStreamingAccess) (not .ServerStream) $s.HasPayloadAccess }}
		info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorUnary, rawPayload: req}
		return i.{{ $s.Name }}(ctx, info, endpoint)
{{- end }}
	}
}
{{- end }}
{{- end }}
{{- range $s := .ClientInterceptors }}
{{- range .Methods }}

// wrapClient{{ .GoName }}{{ $s.Name }} applies the {{ $s.DesignName }} client interceptor to endpoints.
func wrapClient{{ .GoName }}{{ $s.Name }}(endpoint duplex.Endpoint, i ClientInterceptors) duplex.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
{{- if and $s.HasStreamingAccess .ClientStream }}
{{- if $s.HasPayloadAccess }}
		info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorUnary, rawPayload: req}
		res, err := i.{{ $s.Name }}(ctx, info, endpoint)
{{- else }}
		res, err := endpoint(ctx, req)
{{- end }}
		if err != nil {
			return res, err
		}
		stream := res.({{ .ClientStream.Name }})
		return &wrapped{{ .ClientStream.Name }}{
			ctx: ctx,
{{- if $s.HasStreamingPayloadAccess }}
			sendWithContext: func(ctx context.Context, v {{ .ClientStream.SendRef }}) error {
				info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorStreamingSend, rawPayload: v}
				_, err := i.{{ $s.Name }}(ctx, info, func(ctx context.Context, req any) (any, error) {
					castReq, _ := req.({{ .ClientStream.SendRef }})
					return nil, stream.{{ .ClientStream.SendName }}WithContext(ctx, castReq)
				})
				return err
			},
{{- end }}
{{- if $s.HasStreamingResultAccess }}
			recvWithContext: func(ctx context.Context) ({{ .ClientStream.RecvRef }}, error) {
				info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorStreamingRecv}
				res, err := i.{{ $s.Name }}(ctx, info, func(ctx context.Context, _ any) (any, error) {
					return stream.{{ .ClientStream.RecvName }}WithContext(ctx)
				})
				castRes, _ := res.({{ .ClientStream.RecvRef }})
				return castRes, err
			},
{{- end }}
			stream: stream,
		}, nil
{{- else }}
		info := &{{ $s.Name }}Info{service: {{ quote $.Name }}, method: {{ quote .Name }}, callType: duplex.InterceptorUnary, rawPayload: req}
		return i.{{ $s.Name }}(ctx, info, endpoint)
{{- end }}
	}
}
{{- end }}
{{- end }}
{{- range .WrappedServerStreams }}
{{ template "wrapped" (dict "S" . "Side" "server") }}
{{- end }}
{{- range .WrappedClientStreams }}
{{ template "wrapped" (dict "S" . "Side" "client") }}
{{- end }}
{{- define "wrapped" }}
{{- $s := .S }}
// wrapped{{ $s.Name }} is a {{ .Side }} interceptor wrapper for the {{ $s.Name }} stream.
type wrapped{{ $s.Name }} struct {
	ctx context.Context
{{- if $s.SendName }}
	sendWithContext func(context.Context, {{ $s.SendRef }}) error
{{- end }}
{{- if $s.RecvName }}
	recvWithContext func(context.Context) ({{ $s.RecvRef }}, error)
{{- end }}
	stream {{ $s.Name }}
}

// Unwrap returns the underlying stream type.
func (w *wrapped{{ $s.Name }}) Unwrap() any {
	return w.stream
}
{{- if $s.SendName }}

// {{ $s.SendName }} streams instances of "{{ $s.Name }}" after executing the applied interceptor.
func (w *wrapped{{ $s.Name }}) {{ $s.SendName }}(v {{ $s.SendRef }}) error {
	return w.{{ $s.SendName }}WithContext(w.ctx, v)
}

// {{ $s.SendName }}WithContext streams instances of "{{ $s.Name }}" after executing the applied interceptor with context.
func (w *wrapped{{ $s.Name }}) {{ $s.SendName }}WithContext(ctx context.Context, v {{ $s.SendRef }}) error {
	if w.sendWithContext == nil {
		return w.stream.{{ $s.SendName }}WithContext(ctx, v)
	}
	return w.sendWithContext(ctx, v)
}
{{- end }}
{{- if $s.RecvName }}

// {{ $s.RecvName }} reads instances of "{{ $s.Name }}" from the stream after executing the applied interceptor.
func (w *wrapped{{ $s.Name }}) {{ $s.RecvName }}() ({{ $s.RecvRef }}, error) {
	return w.{{ $s.RecvName }}WithContext(w.ctx)
}

// {{ $s.RecvName }}WithContext reads instances of "{{ $s.Name }}" from the stream after executing the applied interceptor with context.
func (w *wrapped{{ $s.Name }}) {{ $s.RecvName }}WithContext(ctx context.Context) ({{ $s.RecvRef }}, error) {
	if w.recvWithContext == nil {
		return w.stream.{{ $s.RecvName }}WithContext(ctx)
	}
	return w.recvWithContext(ctx)
}
{{- end }}
{{- if $s.Close }}

// Close closes the stream.
func (w *wrapped{{ $s.Name }}) Close() error {
	return w.stream.Close()
}
{{- end }}
{{- if $s.SetView }}

// SetView sets the view results are rendered with; call it before the first Send.
func (w *wrapped{{ $s.Name }}) SetView(view string) {
	w.stream.SetView(view)
}
{{- end }}
{{- end }}
`
