package example

import (
	"fmt"
	"path"

	"duplex.dev/codegen"
)

// files renders the scaffold of api.
func files(api *apiData) ([]*codegen.File, error) {
	var out []*codegen.File
	for _, s := range api.Services {
		imports := []codegen.Import{
			codegen.Std("context"), codegen.Std("fmt"), codegen.Std("log/slog"),
			codegen.SecurityImport, {Name: s.PkgName, Path: s.ImportPath},
		}
		f, err := render(s.Name+".go", api.PkgName, fmt.Sprintf("Package %s implements the services of the %s API.", api.PkgName, api.APIName), serviceT, s, imports)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", s.Name, err)
		}
		out = append(out, f)
	}
	cmd := codegen.PackageName(api.APIName)
	imports := []codegen.Import{
		codegen.Std("context"), codegen.Std("flag"), codegen.Std("fmt"), codegen.Std("log/slog"), codegen.Std("net"),
		codegen.Std("net/http"), codegen.Std("os"), codegen.Std("os/signal"), codegen.Std("syscall"),
		codegen.Std("time"), codegen.WSImport, {Name: api.PkgName, Path: api.ModPath},
		{Name: "prometheus", Path: "github.com/prometheus/client_golang/prometheus"},
		{Name: "collectors", Path: "github.com/prometheus/client_golang/prometheus/collectors"},
		{Name: "promhttp", Path: "github.com/prometheus/client_golang/prometheus/promhttp"},
	}
	if len(api.HTTP) == 0 {
		// Nothing to serve or call over HTTP: no server, no CLI.
		return out, nil
	}
	for _, s := range api.HTTP {
		imports = append(imports, codegen.Import{Name: s.PkgName, Path: s.ImportPath}, codegen.Import{Name: s.ServerPkg, Path: s.ServerPath})
	}
	f, err := render(path.Join("cmd", cmd, "main.go"), "main", fmt.Sprintf("Command %s serves the %s API over HTTP and WebSocket.", cmd, api.APIName), serverT, api, imports)
	if err != nil {
		return nil, err
	}
	out = append(out, f)
	imports = []codegen.Import{
		codegen.Std("context"), codegen.Std("os"), codegen.Std("os/signal"), codegen.Std("syscall"),
		{Name: "cli", Path: api.CLIPath},
	}
	f, err = render(path.Join("cmd", cmd+"-cli", "main.go"), "main", fmt.Sprintf("Command %s-cli calls the %s API from the command line.", cmd, api.APIName), cliT, api, imports)
	if err != nil {
		return nil, err
	}
	return append(out, f), nil
}

func render(filePath, pkg, title, text string, data any, imports []codegen.Import) (*codegen.File, error) {
	body, err := codegen.Render(filePath, text, data, nil)
	if err != nil {
		return nil, err
	}
	return codegen.ScaffoldFile(filePath, pkg, title, imports, body)
}
