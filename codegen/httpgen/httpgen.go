package httpgen

import (
	"fmt"
	"path"

	"duplex.dev/codegen"
)

// render renders one template into a gofmt-ed Go file.
func render(filePath, pkg, title, name, text string, data any, imports []codegen.Import) (*codegen.File, error) {
	body, err := codegen.Render(name, text, data, funcs)
	if err != nil {
		return nil, err
	}
	return codegen.GoFile(filePath, pkg, title, imports, body)
}

var (
	transportImport = codegen.Import{Name: "transport", Path: "duplex.dev/transport"}
	resumeImport    = codegen.Import{Name: "resume", Path: "duplex.dev/ws/resume"}
	sseImport       = codegen.Import{Name: "sse", Path: "duplex.dev/sse"}
	stdImports      = []codegen.Import{
		codegen.Std("context"), codegen.Std("fmt"), codegen.Std("io"), codegen.Std("net/http"),
		codegen.Std("net/url"), codegen.Std("flag"), codegen.Std("time"),
	}
)

func imports(extra ...codegen.Import) []codegen.Import {
	out := append([]codegen.Import{}, stdImports...)
	out = append(out, codegen.DuplexImport, codegen.WSImport, transportImport, resumeImport, sseImport)
	return append(out, extra...)
}

// serviceFiles returns the server and client files of one service.
func serviceFiles(s *serviceData) ([]*codegen.File, error) {
	svcImport := codegen.Import{Name: s.PkgName, Path: s.ImportPath}
	base := path.Join("gen", "http", codegen.SnakeCase(s.Name))
	type spec struct{ file, pkg, title, tmpl string }
	specs := []spec{
		{path.Join(base, "server", "server.go"), "server", s.Name + " HTTP and WebSocket server", serverT},
		{path.Join(base, "server", "paths.go"), "server", "HTTP request paths of the " + s.Name + " service", pathsT},
		{path.Join(base, "client", "client.go"), "client", s.Name + " HTTP and WebSocket client", clientT},
		{path.Join(base, "client", "paths.go"), "client", "HTTP request paths of the " + s.Name + " service", pathsT},
	}
	var files []*codegen.File
	for _, sp := range specs {
		f, err := render(sp.file, sp.pkg, sp.title, sp.file, sp.tmpl, s, imports(svcImport))
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", s.Name, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// cliData is the data of the CLI template.
type cliData struct {
	APIName  string
	Services []*serviceData
	// AnyPayload and AnyField say whether some method reads a payload
	// (-body) and flags, so that Run declares only what it uses.
	AnyPayload, AnyField bool
}

// cliFile returns gen/http/cli/<api>/cli.go.
func cliFile(apiName string, services []*serviceData) (*codegen.File, error) {
	var extra []codegen.Import
	for _, s := range services {
		extra = append(extra,
			codegen.Import{Name: s.PkgName, Path: s.ImportPath},
			codegen.Import{Name: s.PkgName + "c", Path: s.ClientPath})
	}
	pkg := codegen.PackageName(apiName)
	p := path.Join("gen", "http", "cli", pkg, "cli.go")
	data := &cliData{APIName: apiName, Services: services}
	for _, s := range services {
		for _, m := range s.Methods {
			data.AnyPayload = data.AnyPayload || m.PayloadRef != ""
			data.AnyField = data.AnyField || (m.PayloadRef != "" && (len(m.Params) > 0 || len(cliFields(m)) > 0))
		}
	}
	return render(p, "cli", apiName+" command line client", p, cliT, data, imports(extra...))
}
