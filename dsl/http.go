package dsl

import (
	"strings"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// HTTP defines the HTTP mapping of the API (path prefix, error
// responses), of a service (path prefix, error responses) or of a method
// (route, params, headers, body, responses and, for streaming methods,
// WebSocket settings). A streaming method must use GET: the WebSocket
// upgrade request.
//
//	Method("subscribe", func() {
//		StreamingResult(Event)
//		HTTP(func() {
//			GET("/subscribe")
//			Param("token")
//		})
//	})
func HTTP(fns ...func()) {
	if len(fns) > 1 {
		eval.ReportError("HTTP accepts one DSL function")
		return
	}
	var fn func()
	if len(fns) == 1 {
		fn = fns[0]
	}
	pos := eval.Caller()
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		e.HTTP.Pos = pos
		eval.Execute(fn, e.HTTP)
	case *expr.ServiceExpr:
		hs := httpService(e, pos)
		hs.Pos = pos
		eval.Execute(fn, hs)
	case *expr.MethodExpr:
		hs := httpService(e.Service, e.Service.Pos)
		for _, prev := range hs.Endpoints {
			if prev.MethodExpr == e {
				eval.ReportError("method %q: HTTP is defined twice (first at %s): merge the two blocks", e.Name, prev.Pos)
				return
			}
		}
		ep := &expr.HTTPEndpointExpr{
			MethodExpr: e,
			Service:    hs,
			Params:     expr.NewMappedAttributeExpr(),
			Headers:    expr.NewMappedAttributeExpr(),
			Pos:        pos,
		}
		hs.Endpoints = append(hs.Endpoints, ep)
		eval.Execute(fn, ep)
	default:
		incompatible("HTTP", "API, a Service or a Method")
	}
}

// httpService returns the HTTP mapping of s, creating it.
func httpService(s *expr.ServiceExpr, pos expr.Pos) *expr.HTTPServiceExpr {
	h := expr.Root.API.HTTP
	for _, hs := range h.Services {
		if hs.ServiceExpr == s {
			return hs
		}
	}
	hs := &expr.HTTPServiceExpr{ServiceExpr: s, Pos: pos}
	h.Services = append(h.Services, hs)
	return hs
}

// GET defines a GET route of the method. Streaming methods must use GET.
func GET(path string) *expr.RouteExpr { return route("GET", path) }

// POST defines a POST route of the method.
func POST(path string) *expr.RouteExpr { return route("POST", path) }

// PUT defines a PUT route of the method.
func PUT(path string) *expr.RouteExpr { return route("PUT", path) }

// PATCH defines a PATCH route of the method.
func PATCH(path string) *expr.RouteExpr { return route("PATCH", path) }

// DELETE defines a DELETE route of the method.
func DELETE(path string) *expr.RouteExpr { return route("DELETE", path) }

// HEAD defines a HEAD route of the method.
func HEAD(path string) *expr.RouteExpr { return route("HEAD", path) }

// OPTIONS defines an OPTIONS route of the method.
func OPTIONS(path string) *expr.RouteExpr { return route("OPTIONS", path) }

func route(method, path string) *expr.RouteExpr {
	ep, ok := eval.Current().(*expr.HTTPEndpointExpr)
	if !ok {
		incompatible(method, "the HTTP block of a Method")
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		eval.ReportError("method %q: route path %q must start with \"/\"", ep.MethodExpr.Name, path)
	}
	r := &expr.RouteExpr{Method: method, Path: path, Endpoint: ep, Pos: eval.Caller()}
	ep.Routes = append(ep.Routes, r)
	return r
}

// Path sets the path prefix of every route of the API or service.
func Path(val string) {
	switch e := eval.Current().(type) {
	case *expr.HTTPExpr:
		e.Path = val
	case *expr.HTTPServiceExpr:
		e.Paths = append(e.Paths, val)
	default:
		incompatible("Path", "the HTTP block of API or a Service")
	}
}

// Param maps a payload attribute to a query (or path) parameter:
// Param("token"), Param("limit:l") (attribute limit, query key l), with
// optional type, description and DSL function like Attribute. Path
// parameters need no Param: every {wildcard} of the route is one.
func Param(name string, args ...any) {
	ep, ok := eval.Current().(*expr.HTTPEndpointExpr)
	if !ok {
		incompatible("Param", "the HTTP block of a Method")
		return
	}
	mapElem(ep.Params, "Param", name, args...)
}

// Header maps a payload attribute to a request header (or, in Response, a
// result attribute to a response header): Header("req_id:X-Request-ID").
func Header(name string, args ...any) {
	var m *expr.MappedAttributeExpr
	switch e := eval.Current().(type) {
	case *expr.HTTPEndpointExpr:
		m = e.Headers
	case *expr.HTTPResponseExpr:
		if e.Headers == nil {
			e.Headers = expr.NewMappedAttributeExpr()
		}
		m = e.Headers
	default:
		incompatible("Header", "the HTTP block of a Method or a Response")
		return
	}
	mapElem(m, "Header", name, args...)
}

func mapElem(m *expr.MappedAttributeExpr, fn, name string, args ...any) {
	attName, elem := name, name
	if i := strings.Index(name, ":"); i >= 0 {
		attName, elem = name[:i], name[i+1:]
	}
	if attName == "" || elem == "" {
		eval.ReportError("%s %q%s: use \"attribute\" or \"attribute:wire-name\"", fn, name, methodSuffix())
		return
	}
	dt, desc, dslFn, ok := parseAttributeArgs(fn+" "+quote(name), args...)
	if !ok {
		return
	}
	att := &expr.AttributeExpr{Type: dt, Description: desc, Pos: eval.Caller()}
	m.Add(attName, elem, att)
	if dslFn != nil {
		eval.Execute(dslFn, att)
	}
}

// Body defines the request body of a unary method (or the body of a
// Response): Body("attr") sends one payload attribute, Body(func() {
// Attribute("a"); Attribute("b") }) a subset, Body(Type) a type. Streaming
// methods have no request body: their messages travel on the WebSocket.
func Body(args ...any) {
	if len(args) != 1 {
		eval.ReportError("Body accepts one argument: an attribute name, a type or a func()")
		return
	}
	pos := eval.Caller()
	var body *expr.AttributeExpr
	switch a := args[0].(type) {
	case string:
		body = &expr.AttributeExpr{Meta: expr.MetaExpr{"origin:attribute": {a}}, Pos: pos}
	case func():
		body = &expr.AttributeExpr{Type: &expr.Object{}, Pos: pos}
		defer eval.Execute(a, body)
	case expr.DataType:
		if isNilType(a) {
			eval.ReportError("Body: the type is nil")
			return
		}
		body = &expr.AttributeExpr{Type: a, Pos: pos}
	default:
		eval.ReportError("Body: invalid argument %#v: use an attribute name, a type or a func()", args[0])
		return
	}
	switch e := eval.Current().(type) {
	case *expr.HTTPEndpointExpr:
		e.Body = body
	case *expr.HTTPResponseExpr:
		e.Body = body
	default:
		incompatible("Body", "the HTTP block of a Method or a Response")
	}
}

// Response defines a success response of a method (Response(StatusCreated))
// or the response of a design error (Response("unauthorized",
// StatusUnauthorized)), with an optional DSL function (Description, Body,
// Header, Code). Error responses may also appear in the HTTP block of the
// API or a service.
func Response(val any, args ...any) {
	pos := eval.Caller()
	var fn func()
	code := 0
	for _, a := range args {
		switch v := a.(type) {
		case int:
			code = v
		case func():
			fn = v
		default:
			eval.ReportError("Response: invalid argument %#v: use a status code or a func()", a)
			return
		}
	}
	switch v := val.(type) {
	case int:
		ep, ok := eval.Current().(*expr.HTTPEndpointExpr)
		if !ok {
			incompatible("Response(status)", "the HTTP block of a Method")
			return
		}
		resp := &expr.HTTPResponseExpr{StatusCode: v, Pos: pos}
		eval.Execute(fn, resp)
		ep.Responses = append(ep.Responses, resp)
	case string:
		resp := &expr.HTTPResponseExpr{StatusCode: code, Pos: pos}
		eval.Execute(fn, resp)
		if resp.StatusCode == 0 {
			eval.ReportError("Response %q: missing status code: use Response(%q, StatusBadRequest)", v, v)
			return
		}
		he := &expr.HTTPErrorExpr{Name: v, Response: resp, Pos: pos}
		switch e := eval.Current().(type) {
		case *expr.HTTPEndpointExpr:
			e.HTTPErrors = append(e.HTTPErrors, he)
		case *expr.HTTPServiceExpr:
			e.HTTPErrors = append(e.HTTPErrors, he)
		case *expr.HTTPExpr:
			e.HTTPErrors = append(e.HTTPErrors, he)
		default:
			incompatible("Response", "an HTTP block")
		}
	default:
		eval.ReportError("Response: invalid argument %#v: use a status code or an error name", val)
	}
}

// Code sets the status code of a Response.
func Code(code int) {
	r, ok := eval.Current().(*expr.HTTPResponseExpr)
	if !ok {
		incompatible("Code", "a Response")
		return
	}
	r.StatusCode = code
}
