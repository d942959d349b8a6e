package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// API defines the API: its name, documentation, servers, API-wide
// security and HTTP settings. It must appear at the top level, at most once.
//
//	var _ = API("chat", func() {
//		Title("Chat")
//		Version("1.0")
//	})
func API(name string, fn func()) *expr.APIExpr {
	if !atTopLevel("API") {
		return nil
	}
	api := expr.Root.API
	if api.Name != "" {
		eval.ReportError("API is defined twice (%q at %s and %q): keep one API call", api.Name, api.Pos, name)
		return api
	}
	if name == "" {
		eval.ReportError("API name cannot be empty")
	}
	api.Name = name
	api.DSLFunc = fn
	api.Pos = eval.Caller()
	return api
}

// Title sets the API title. It must appear in API.
func Title(val string) {
	api, ok := eval.Current().(*expr.APIExpr)
	if !ok {
		incompatible("Title", "API")
		return
	}
	api.Title = val
}

// Version sets the API version. It must appear in API.
func Version(ver string) {
	api, ok := eval.Current().(*expr.APIExpr)
	if !ok {
		incompatible("Version", "API")
		return
	}
	api.Version = ver
}

// Description documents the current API, server, host, service, method,
// type, attribute, error, response or security scheme.
func Description(d string) {
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		e.Description = d
	case *expr.ServerExpr:
		e.Description = d
	case *expr.HostExpr:
		e.Description = d
	case *expr.ServiceExpr:
		e.Description = d
	case *expr.MethodExpr:
		e.Description = d
	case *expr.ResultTypeExpr:
		e.Description = d
	case *expr.UserTypeExpr:
		e.Description = d
	case *expr.AttributeExpr:
		e.Description = d
	case *expr.ErrorExpr:
		e.Description = d
	case *expr.InterceptorExpr:
		e.Description = d
	case *expr.HTTPResponseExpr:
		e.Description = d
	case *expr.SchemeExpr:
		e.Description = d
	case *expr.ExampleExpr:
		e.Description = d
	case *expr.HTTPFileServerExpr:
		e.Description = d
	case *docBlock:
		docMeta("Description", e.prefix+"description", d)
	default:
		incompatible("Description", "API, Server, Host, Service, Method, Type, ResultType, Attribute, Error, Response or a security scheme")
	}
}

// Server describes a server hosting the API's services. It must appear in
// API. A design without Server gets one named after the API.
func Server(name string, fn ...func()) *expr.ServerExpr {
	api, ok := eval.Current().(*expr.APIExpr)
	if !ok {
		incompatible("Server", "API")
		return nil
	}
	if len(fn) > 1 {
		eval.ReportError("Server accepts at most one DSL function")
	}
	srv := &expr.ServerExpr{Name: name, Pos: eval.Caller()}
	if len(fn) > 0 {
		eval.Execute(fn[0], srv)
	}
	api.Servers = append(api.Servers, srv)
	return srv
}

// Services lists the services a server hosts (all when not used). It must
// appear in Server.
func Services(svcs ...string) {
	srv, ok := eval.Current().(*expr.ServerExpr)
	if !ok {
		incompatible("Services", "Server")
		return
	}
	srv.Services = append(srv.Services, svcs...)
}

// Host describes a host of a server and its URIs. It must appear in Server.
func Host(name string, fn func()) {
	srv, ok := eval.Current().(*expr.ServerExpr)
	if !ok {
		incompatible("Host", "Server")
		return
	}
	h := &expr.HostExpr{Name: name, Pos: eval.Caller()}
	eval.Execute(fn, h)
	if len(h.URIs) == 0 {
		eval.ReportError("Host %q of server %q has no URI: add URI(\"http://localhost:8080\")", name, srv.Name)
	}
	srv.Hosts = append(srv.Hosts, h)
}

// URI adds a URI ("http://localhost:8080", "ws://..." schemes accepted) to
// a host. It must appear in Host.
func URI(uri string) {
	h, ok := eval.Current().(*expr.HostExpr)
	if !ok {
		incompatible("URI", "Host")
		return
	}
	h.URIs = append(h.URIs, uri)
}
