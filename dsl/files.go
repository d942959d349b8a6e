package dsl

import (
	"strings"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Files serves a file or a directory with GET, as Goa's Files does: the
// generated server's New takes one http.FileSystem per Files (nil means
// the process's working directory) and mounts a handler for it next to
// the methods' handlers.
//
//	Files("/index.html", "web/index.html")       // one file
//	Files("/static/{*filepath}", "web/static")   // a directory
//
// A request path ending with a {*wildcard} serves the directory filename:
// the file named by the rest of the request path, index.html for a
// directory (never a listing). A path with a ".." element is refused with
// 400, whatever its encoding. Description documents the files; Docs is
// accepted for Goa compatibility and ignored.
func Files(path, filename string, fns ...func()) {
	if len(fns) > 1 {
		eval.ReportError("Files accepts one DSL function")
		return
	}
	s, ok := eval.Current().(*expr.ServiceExpr)
	if !ok {
		incompatible("Files", "a Service")
		return
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	fs := &expr.HTTPFileServerExpr{
		Service:     httpService(s, s.Pos),
		RequestPath: path,
		FilePath:    filename,
		Pos:         eval.Caller(),
	}
	if len(fns) == 1 {
		eval.Execute(fns[0], fs)
	}
	fs.Service.FileServers = append(fs.Service.FileServers, fs)
}
