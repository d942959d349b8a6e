package httpgen

const cliT = `
// Usage describes the commands of the {{ .APIName }} CLI.
const Usage = ` + "`" + `usage: {{ .APIName }}-cli [-url URL] SERVICE METHOD [flags]
{{ range .Services }}{{ $svc := . }}{{ range .Methods }}
  {{ $svc.Name }} {{ .Name }}{{ range .Params }} [-{{ .AttrName }} VALUE]{{ end }}{{ range cliFields . }} [-{{ . }} VALUE]{{ end }}{{ if .Body }} [-body JSON]{{ end }}{{ if .RecvsStream }} < JSON lines{{ end }}
{{- end }}{{ end }}

Streaming payloads are read from stdin as JSON lines; results are printed as
JSON lines.
` + "`" + `

// Main runs the CLI with the arguments of the process (without the program
// name), "[-url URL] SERVICE METHOD [flags]", and returns its exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet({{ quote (print .APIName "-cli") }}, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
	rawURL := fs.String("url", "http://localhost:8080", "URL of the server")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	u, err := url.Parse(*rawURL)
	if err != nil {
		fmt.Fprintf(stderr, "-url: %v\n", err)
		return 2
	}
	if err := Run(ctx, u.Scheme, u.Host, http.DefaultClient, fs.Args(), stdin, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// Run calls the method named by args ("SERVICE METHOD [flags]") on the
// server at scheme://host and prints its results as JSON lines on stdout.
// Streaming payloads are read as JSON lines from stdin.
func Run(ctx context.Context, scheme, host string, doer *http.Client, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("missing service and method\n%s", Usage)
	}
	fs := flag.NewFlagSet(args[0]+" "+args[1], flag.ContinueOnError)
{{- if .AnyPayload }}
	body := fs.String("body", "", "JSON payload")
	fields := map[string]*string{}
{{- end }}
{{- if .AnyField }}
	field := func(name string) { fields[name] = fs.String(name, "", name) }
{{- end }}
	switch args[0] + " " + args[1] {
{{- range .Services }}{{ $svc := . }}
{{- range .Methods }}
	case {{ quote (print $svc.Name " " .Name) }}:
{{- range .Params }}
		field({{ quote .AttrName }})
{{- end }}
{{- range cliFields . }}
		field({{ quote . }})
{{- end }}
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		c := {{ $svc.PkgName }}c.NewClient(scheme, host, doer)
{{- if .PayloadRef }}
		payload, err := transport.BuildPayload[{{ .PayloadRef }}](*body, fields)
		if err != nil {
			return err
		}
		res, err := c.{{ .GoName }}()(ctx, payload)
{{- else }}
		res, err := c.{{ .GoName }}()(ctx, nil)
{{- end }}
		if err != nil {
			return err
		}
{{- if eq .Stream "" }}
		return transport.PrintJSON(stdout, res)
{{- else }}
		defer transport.CloseStream(res)
		stream := res.({{ $svc.PkgName }}.{{ .GoName }}ClientStream)
{{- if eq .Stream "client" }}
		if err := transport.SendLines(ctx, stdin, stream.SendWithContext); err != nil {
			return err
		}
{{- if .StreamResultRef }}
		v, err := stream.CloseAndRecvWithContext(ctx)
		if err != nil {
			return err
		}
		return transport.PrintJSON(stdout, v)
{{- else }}
		return stream.Close()
{{- end }}
{{- else if eq .Stream "server" }}
		return transport.PrintLines(ctx, stdout, stream.RecvWithContext)
{{- else }}
		return transport.Converse(ctx, stdin, stdout, stream.SendWithContext, stream.RecvWithContext, stream.(interface{ CloseSend(context.Context) error }).CloseSend)
{{- end }}
{{- end }}
{{- end }}
{{- end }}
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0]+" "+args[1], Usage)
	}
}
`
