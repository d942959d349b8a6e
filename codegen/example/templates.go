package example

// serviceT is <service>.go in the module root: the implementation stub.
const serviceT = `
{{- $svc := . }}
// {{ .VarName }}srvc implements {{ .PkgName }}.Service. Every method logs the call and
// answers "not implemented": replace the bodies with the service's logic.
type {{ .VarName }}srvc struct {
	logger *slog.Logger
}

// New{{ .GoName }} returns the {{ quote .Name }} service implementation.
func New{{ .GoName }}() {{ .PkgName }}.Service {
	return &{{ .VarName }}srvc{logger: slog.Default()}
}
{{ range .Schemes }}
// {{ .FuncName }} checks the credentials of the {{ quote .Scheme }} security scheme.
// Return an error to refuse the request: a plain error (errors.New) is
// answered with 401, one of the design's typed errors with the status the
// design maps it to; streaming requests are refused before the WebSocket
// upgrade.
{{- if eq .Kind "Basic" }}
func (s *{{ $svc.VarName }}srvc) {{ .FuncName }}(ctx context.Context, user, pass string, scheme *security.BasicScheme) (context.Context, error) {
{{- else if eq .Kind "APIKey" }}
func (s *{{ $svc.VarName }}srvc) {{ .FuncName }}(ctx context.Context, key string, scheme *security.APIKeyScheme) (context.Context, error) {
{{- else if eq .Kind "JWT" }}
func (s *{{ $svc.VarName }}srvc) {{ .FuncName }}(ctx context.Context, token string, scheme *security.JWTScheme) (context.Context, error) {
{{- else }}
func (s *{{ $svc.VarName }}srvc) {{ .FuncName }}(ctx context.Context, token string, scheme *security.OAuth2Scheme) (context.Context, error) {
{{- end }}
	return ctx, fmt.Errorf("{{ $svc.Name }} {{ .Scheme }} authorization: not implemented")
}
{{ end }}
{{- range .Methods }}
// {{ .GoName }} implements {{ quote .Name }}.
{{- if .Streaming }}
func (s *{{ $svc.VarName }}srvc) {{ .GoName }}(ctx context.Context, {{ if .PayloadRef }}p {{ .PayloadRef }}, {{ end }}stream {{ $svc.PkgName }}.{{ .GoName }}ServerStream) error {
	s.logger.InfoContext(ctx, "{{ $svc.Name }}.{{ .Name }}")
	return fmt.Errorf("{{ $svc.Name }} {{ .Name }}: not implemented")
}
{{- else if .ViewParam }}
func (s *{{ $svc.VarName }}srvc) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) (res {{ .ResultRef }}, view string, err error) {
	s.logger.InfoContext(ctx, "{{ $svc.Name }}.{{ .Name }}")
	return res, {{ quote .View }}, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: not implemented")
}
{{- else if .ResultRef }}
func (s *{{ $svc.VarName }}srvc) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) (res {{ .ResultRef }}, err error) {
	s.logger.InfoContext(ctx, "{{ $svc.Name }}.{{ .Name }}")
	return res, fmt.Errorf("{{ $svc.Name }} {{ .Name }}: not implemented")
}
{{- else }}
func (s *{{ $svc.VarName }}srvc) {{ .GoName }}(ctx context.Context{{ if .PayloadRef }}, p {{ .PayloadRef }}{{ end }}) error {
	s.logger.InfoContext(ctx, "{{ $svc.Name }}.{{ .Name }}")
	return fmt.Errorf("{{ $svc.Name }} {{ .Name }}: not implemented")
}
{{- end }}
{{ end }}
`

// serverT is cmd/<api>/main.go.
const serverT = `
func main() {
	// The flags of Goa's scaffold, and -addr to give host:port at once.
	var (
		hostF     = flag.String("host", "localhost", "host to listen on")
		domainF   = flag.String("domain", "", "host domain name to listen on (overrides -host)")
		httpPortF = flag.String("http-port", {{ quote .Port }}, "HTTP port to listen on")
		addrF     = flag.String("addr", "", "address to listen on, host:port (overrides -host, -domain and -http-port)")
		secureF   = flag.Bool("secure", false, "serve HTTPS and secure WebSockets (wss) with -tls-cert and -tls-key")
		certF     = flag.String("tls-cert", "", "TLS certificate file (PEM), with -secure")
		keyF      = flag.String("tls-key", "", "TLS private key file (PEM), with -secure")
		debugF    = flag.Bool("debug", false, "log debug events (every connection and close)")
	)
	flag.Parse()
	if *secureF && (*certF == "" || *keyF == "") {
		fmt.Fprintln(os.Stderr, "-secure needs -tls-cert and -tls-key")
		os.Exit(2)
	}

	level := slog.LevelInfo
	if *debugF {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	addr := *addrF
	if addr == "" {
		host := *hostF
		if *domainF != "" {
			host = *domainF
		}
		addr = net.JoinHostPort(host, *httpPortF)
	}
	var tlsFiles []string
	if *secureF {
		tlsFiles = []string{*certF, *keyF}
	}
	if err := serve(addr, tlsFiles, logger); err != nil {
		logger.Error("exiting", "err", err)
		os.Exit(1)
	}
}

// serve runs the server on addr (with TLS when tlsFiles holds a
// certificate and a key file) until SIGINT or SIGTERM, then shuts it down
// gracefully.
func serve(addr string, tlsFiles []string, logger *slog.Logger) error {
	// Prometheus metrics of the streams (connections, messages, bytes, close
	// codes, send queues) and of the process, served at /metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// One WebSocket server for every service: it logs connections (not
	// messages) and its Shutdown closes every open stream with 1001.
	wsrv := ws.NewServer(ws.Config{Logger: logger, Metrics: ws.NewMetrics(reg)})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
{{- range .HTTP }}
	{{ .VarName }}Server := {{ .ServerPkg }}.New({{ .PkgName }}.NewEndpoints({{ $.PkgName }}.New{{ .GoName }}(){{ if .Interceptors }}, nil{{ end }}), wsrv)
	{{ .VarName }}Server.Mount(mux)
	for _, m := range {{ .VarName }}Server.Mounts {
		logger.Info("mounted", "service", {{ quote .Name }}, "method", m.Method, "verb", m.Verb, "pattern", m.Pattern)
	}
{{- end }}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	if len(tlsFiles) == 2 {
		go func() { errc <- srv.ServeTLS(ln, tlsFiles[0], tlsFiles[1]) }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	logger.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Streams first (close 1001, handlers' contexts cancelled), then the
	// plain HTTP requests still in flight.
	if err := wsrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("close streams: %w", err)
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	logger.Info("exited")
	return nil
}
`

// cliT is cmd/<api>-cli/main.go.
const cliT = `
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
`
