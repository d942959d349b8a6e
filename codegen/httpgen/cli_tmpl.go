package httpgen

const cliT = `
// Usage describes the commands of the {{ .APIName }} CLI.
const Usage = ` + "`" + `usage: {{ .APIName }}-cli [-url URL] [-timeout SECONDS] [-verbose] SERVICE METHOD [flags]
{{ range .Services }}{{ $svc := . }}{{ range .Methods }}
  {{ $svc.Name }} {{ .Name }}{{ range .Params }} [-{{ .AttrName }} VALUE]{{ end }}{{ range cliFields . }} [-{{ . }} VALUE]{{ end }}{{ if .Body }} [-body JSON]{{ end }}{{ if .RecvsStream }} < JSON lines{{ end }}
{{- end }}{{ end }}

Streaming payloads are read from stdin as JSON lines; results are printed as
JSON lines. "SERVICE METHOD -h" lists the flags of a method.
` + "`" + `

// Main runs the CLI with the arguments of the process (without the program
// name), "[-url URL] [-timeout SECONDS] [-verbose] SERVICE METHOD [flags]",
// and returns its exit code: 0 on success and for -h, 1 when the call
// fails, 2 for a command line that does not parse, 130 when ctx ends first
// (streams are then closed with 1000).
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return transport.MainCLI(ctx, {{ quote (print .APIName "-cli") }}, Usage, "http://localhost:8080", args, stderr,
		func(ctx context.Context, scheme, host string, doer *http.Client, args []string) error {
			return Run(ctx, scheme, host, doer, args, stdin, stdout)
		})
}

// Run calls the method named by args ("SERVICE METHOD [flags]") on the
// server at scheme://host and prints its results as JSON lines on stdout.
// Streaming payloads are read as JSON lines from stdin; a line that is not
// JSON, has an attribute of the wrong type or fails the design's validations
// ends the call with an error naming the line. doer sends requests and opens
// streams (http.DefaultClient when nil).
func Run(ctx context.Context, scheme, host string, doer *http.Client, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) < 2 {
		return transport.UsageErrorf(Usage, "missing service and method")
	}
	fs := flag.NewFlagSet(args[0]+" "+args[1], flag.ContinueOnError)
{{- if .AnyPayload }}
	body := fs.String("body", "", "JSON payload")
	fields := map[string]*string{}
{{- end }}
{{- if .AnyField }}
	field := func(name string) { fields[name] = fs.String(name, "", name) }
{{- end }}
{{- range .Services }}
	{{ .CLIClient }} := {{ .PkgName }}c.NewClient(scheme, host, doer, ws.DialConfig{HTTPClient: doer})
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
		if err := transport.ParseFlags(fs, {{ if .RecvsStream }}{{ quote (printf "usage: %s-cli [-url URL] %s %s [flags] < JSON lines\n\nflags:" $.APIName $svc.Name .Name) }}{{ else }}{{ quote (printf "usage: %s-cli [-url URL] %s %s [flags]\n\nflags:" $.APIName $svc.Name .Name) }}{{ end }}, args[2:]); err != nil {
			return err
		}
{{- if .PayloadRef }}
		payload, err := transport.BuildPayload[{{ .PayloadRef }}](*body, fields)
		if err != nil {
			return err
		}
		res, err := {{ $svc.CLIClient }}.{{ .GoName }}()(ctx, payload)
{{- else }}
		res, err := {{ $svc.CLIClient }}.{{ .GoName }}()(ctx, nil)
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
		if err := transport.SendLines(ctx, stdin, {{ .ValidateStream }}, stream.SendWithContext); err != nil {
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
		return transport.Converse(ctx, stdin, stdout, {{ .ValidateStream }}, stream.SendWithContext, stream.RecvWithContext, stream.(interface{ CloseSend(context.Context) error }).CloseSend)
{{- end }}
{{- end }}
{{- end }}
{{- end }}
	default:
		return transport.UsageErrorf(Usage, "unknown command %q", args[0]+" "+args[1])
	}
}
`
