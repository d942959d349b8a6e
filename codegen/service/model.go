package service

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// Files returns the service package of every service of root:
// gen/<service>/service.go, endpoints.go and client.go. genPkg is the import
// path of the gen directory ("example.com/chat/gen"); the generated packages
// import nothing else from it today, but the argument keeps the signature of
// every generator the same. root must have gone through eval.RunDSL.
func Files(genPkg string, root *expr.RootExpr) ([]*codegen.File, error) {
	var files []*codegen.File
	for _, s := range root.Services {
		fs, err := ServiceFiles(root, s)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	return files, nil
}

// ServiceFiles returns gen/<service>/service.go, endpoints.go and client.go
// of one service of root.
func ServiceFiles(root *expr.RootExpr, s *expr.ServiceExpr) ([]*codegen.File, error) {
	data, err := buildService(root, s)
	if err != nil {
		return nil, err // design errors: "file.go:LINE: service ...: ..."
	}
	dir := path.Join("gen", data.PkgName)
	specs := []struct{ file, title, tmpl string }{
		{"service.go", s.Name + " service", serviceT + unionT},
		{"endpoints.go", s.Name + " endpoints", endpointsT},
		{"client.go", s.Name + " client", clientT},
	}
	// Interceptor files, named and split as Goa's.
	if len(data.ServerInterceptors) > 0 {
		specs = append(specs, struct{ file, title, tmpl string }{"service_interceptors.go", s.Name + " server interceptors", infosT + serverInterceptorsT})
	}
	if len(data.ClientInterceptors) > 0 {
		specs = append(specs, struct{ file, title, tmpl string }{"client_interceptors.go", s.Name + " client interceptors", infosT + clientInterceptorsT})
	}
	if len(data.ServerInterceptors) > 0 || len(data.ClientInterceptors) > 0 {
		specs = append(specs, struct{ file, title, tmpl string }{"interceptor_wrappers.go", s.Name + " interceptor wrappers", wrappersT})
	}
	var files []*codegen.File
	for _, sp := range specs {
		p := path.Join(dir, sp.file)
		body, err := codegen.Render(p, sp.tmpl, data, template.FuncMap{"dict": dict})
		if err != nil {
			return nil, err
		}
		f, err := codegen.GoFile(p, data.PkgName, sp.title, imports, body)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// imports lists every package generated service code may use; GoFile keeps
// the used ones.
var imports = []codegen.Import{
	codegen.Std("context"), codegen.Std("encoding/json"), codegen.Std("unicode/utf8"),
	codegen.DuplexImport, codegen.SecurityImport,
}

// builder holds the state of one service's build.
type builder struct {
	svc     *expr.ServiceExpr
	data    *serviceData
	types   map[string]*typeData
	named   map[string]expr.UserType // user types to define, by Go name
	unions  map[string]*expr.Union   // sum types to define, by Go name
	unionAt map[*expr.Union]*expr.AttributeExpr
	viewed  map[string]*viewedData
	anon    map[*expr.AttributeExpr]expr.UserType
	docs    map[expr.UserType]string // docs of method value types
	errs    map[string]*typeErrorData
	authSet map[string]bool
	errors  []error
	// outside lists, by Go type name, the attributes of unary payloads that
	// travel outside the JSON body (path, query, headers, credentials).
	outside map[string]map[string]bool
}

func buildService(root *expr.RootExpr, s *expr.ServiceExpr) (*serviceData, error) {
	b := &builder{
		svc:     s,
		types:   map[string]*typeData{},
		named:   map[string]expr.UserType{},
		unions:  map[string]*expr.Union{},
		unionAt: map[*expr.Union]*expr.AttributeExpr{},
		viewed:  map[string]*viewedData{},
		anon:    map[*expr.AttributeExpr]expr.UserType{},
		docs:    map[expr.UserType]string{},
		errs:    map[string]*typeErrorData{},
		authSet: map[string]bool{},
	}
	d := &serviceData{
		Name:        s.Name,
		GoName:      codegen.Goify(s.Name, true),
		PkgName:     codegen.PackageName(s.Name),
		Description: s.Description,
	}
	if root.API != nil {
		d.APIName, d.APIVersion = root.API.Name, root.API.Version
	}
	b.data = d
	for _, m := range s.Methods {
		md, err := b.method(m)
		if err != nil {
			return nil, fmt.Errorf("method %s: %w", m.Name, err)
		}
		d.Methods = append(d.Methods, md)
	}
	b.interceptors(s)
	// Client has a method and an endpoint field per method: "use" and
	// "use_endpoint" must not both give UseEndpoint.
	taken := map[string]bool{}
	for _, md := range d.Methods {
		taken[md.GoName] = true
	}
	for _, md := range d.Methods {
		for md.ClientField = md.GoName + "Endpoint"; taken[md.ClientField]; {
			md.ClientField += "Endpoint"
		}
		taken[md.ClientField] = true
	}
	for _, e := range s.Errors {
		b.serviceError(e)
	}
	for _, m := range s.Methods {
		for _, e := range m.Errors {
			if s.Error(e.Name) == nil {
				b.serviceError(e)
			}
		}
	}
	b.outside = outsideBody(root, s)
	for _, ut := range b.named {
		b.defineType(ut)
	}
	for name, e := range b.errs {
		if td := b.types[name]; td != nil {
			td.Error = e
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.unions)) {
		u := b.unions[name]
		var desc string
		if at := b.unionAt[u]; at != nil {
			desc = at.Description
		}
		d.Unions = append(d.Unions, union(u, desc))
	}
	names := make([]string, 0, len(b.types))
	for n := range b.types {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		d.Types = append(d.Types, b.types[n])
	}
	b.checkNames()
	if len(b.errors) > 0 {
		return nil, errors.Join(b.errors...)
	}
	vnames := make([]string, 0, len(b.viewed))
	for n := range b.viewed {
		vnames = append(vnames, n)
	}
	slices.Sort(vnames)
	for _, n := range vnames {
		d.Viewed = append(d.Viewed, b.viewed[n])
	}
	slices.SortFunc(d.Errors, func(x, y *errorData) int { return strings.Compare(x.GoName, y.GoName) })
	return d, nil
}

// methodType returns the type of a method value, wrapping an anonymous
// object into a user type named after the method, as Goa does; nil for
// Empty.
func (b *builder) methodType(m *expr.MethodExpr, att *expr.AttributeExpr, suffix string) expr.DataType {
	if att == nil || expr.IsEmpty(att.Type) {
		return nil
	}
	if _, ok := att.Type.(*expr.Object); ok {
		ut, ok := b.anon[att]
		if !ok {
			ut = &expr.UserTypeExpr{AttributeExpr: att, TypeName: codegen.MethodTypeName(m, suffix)}
			b.anon[att] = ut
		}
		b.collect(ut, valueDoc(ut, suffix, b.svc.Name, m.Name))
		return ut
	}
	if ut, ok := att.Type.(expr.UserType); ok {
		b.collect(ut, valueDoc(ut, suffix, b.svc.Name, m.Name))
	} else {
		b.collect(att.Type, "")
	}
	return att.Type
}

// valueDoc documents the type of a method value as Goa does: "CountPayload
// is the payload type of the chat service count method."
func valueDoc(ut expr.UserType, suffix, svc, method string) string {
	return fmt.Sprintf("%s is the %s type of the %s service %s method.",
		codegen.GoTypeName(ut), strings.ToLower(strings.Join(splitCamel(suffix), " ")), svc, method)
}

func splitCamel(s string) []string {
	var words []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			words = append(words, s[start:i])
			start = i
		}
	}
	return append(words, s[start:])
}

// collect records the user types reachable from dt.
func (b *builder) collect(dt expr.DataType, doc string) {
	switch t := dt.(type) {
	case *expr.Array:
		if t.ElemType != nil {
			b.collect(t.ElemType.Type, "")
		}
	case *expr.Map:
		if t.KeyType != nil {
			b.collect(t.KeyType.Type, "")
		}
		if t.ElemType != nil {
			b.collect(t.ElemType.Type, "")
		}
	case *expr.Object:
		for _, nat := range *t {
			if u, ok := nat.Attribute.Type.(*expr.Union); ok {
				b.unionAt[u] = nat.Attribute
			}
			b.collect(nat.Attribute.Type, "")
		}
	case *expr.Union:
		name := codegen.GoUnionName(t)
		if other, ok := b.unions[name]; ok {
			if other != t {
				b.clashAt(b.unionAt[t], fmt.Sprintf("two OneOf named %q become the Go type %s", t.TypeName, name))
			}
			return
		}
		b.unions[name] = t
		for _, nat := range t.Values {
			b.collect(nat.Attribute.Type, "")
		}
	case expr.UserType:
		if t == expr.Empty || t == expr.ErrorResult {
			return
		}
		name := codegen.GoTypeName(t)
		if other, ok := b.named[name]; ok {
			if other != t && other.Attribute() != t.Attribute() {
				b.clash(t, fmt.Sprintf("types %q and %q both become the Go type %s", other.Name(), t.Name(), name))
			}
			return
		}
		b.named[name] = t
		if doc != "" {
			b.docs[t] = doc
		}
		if t.Attribute() != nil {
			b.collect(t.Attribute().Type, "")
		}
	}
}

// defineType adds the definition of a user type and, for struct types, its
// validation function.
func (b *builder) defineType(ut expr.UserType) {
	name := codegen.GoTypeName(ut)
	att := ut.Attribute()
	doc := att.Description
	if doc == "" {
		doc = b.docs[ut]
	}
	if doc == "" {
		doc = name + " is a type of the " + b.svc.Name + " service."
	}
	td := &typeData{Name: name, Doc: codegen.Comment(doc), Def: codegen.GoTypeDef(ut, "")}
	if codegen.IsStruct(ut) {
		td.Struct = true
		v := &validator{}
		v.object(att, "v", "", name)
		td.Validate = strings.TrimSuffix(v.String(), "\n")
		td.Defaults = defaults(att)
		td.Shadow, td.Convert = presence(name, att, b.skipped(ut, name))
	}
	b.types[name] = td
}

// skipped returns the attributes of the user type ut (Go name name) whose
// presence UnmarshalJSON must not require: those that never travel in JSON
// (outsideBody) and, for a result type rendered with views, those that some
// view leaves out of the encoded value.
func (b *builder) skipped(ut expr.UserType, name string) map[string]bool {
	skip := map[string]bool{}
	for n := range b.outside[name] {
		skip[n] = true
	}
	rt, ok := ut.(*expr.ResultTypeExpr)
	if !ok || b.viewed[name] == nil {
		return skip
	}
	for _, v := range rt.Views {
		in := map[string]bool{}
		for _, n := range viewAttributes(v) {
			in[n] = true
		}
		for _, nat := range *expr.AsObject(rt.Attribute().Type) {
			if !in[nat.Name] {
				skip[nat.Name] = true
			}
		}
	}
	return skip
}

// outsideBody returns, by Go type name, the payload attributes of the
// methods of s that never travel in JSON: every attribute of the payload of
// a streaming method (read from the upgrade request's parameters and
// headers), credentials, and the attributes that the HTTP mapping of a unary
// method puts in the path, the query string, headers or cookies (the HTTP
// server decodes the body into the whole payload type, so UnmarshalJSON
// must not require them); and the result attributes a response sets as
// cookies.
func outsideBody(root *expr.RootExpr, s *expr.ServiceExpr) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	var hs *expr.HTTPServiceExpr
	if root.API != nil {
		hs = root.API.HTTP.Service(s.Name)
	}
	for _, m := range s.Methods {
		if hs != nil {
			resultCookies(out, m, hs.Endpoint(m.Name))
		}
		if m.Payload == nil {
			continue
		}
		obj := expr.AsObject(m.Payload.Type)
		if obj == nil {
			continue
		}
		var name string
		switch t := m.Payload.Type.(type) {
		case expr.UserType:
			name = codegen.GoTypeName(t)
		case *expr.Object:
			name = codegen.MethodTypeName(m, "Payload")
		default:
			continue
		}
		var e *expr.HTTPEndpointExpr
		if hs != nil {
			e = hs.Endpoint(m.Name)
		}
		for _, nat := range *obj {
			kind, _ := expr.SecurityAttribute(nat.Attribute)
			if kind != "" || m.IsStreaming() || (e != nil && (mapped(e.Params, nat.Name) || mapped(e.Headers, nat.Name) || mapped(e.Cookies, nat.Name))) {
				if out[name] == nil {
					out[name] = map[string]bool{}
				}
				out[name][nat.Name] = true
			}
		}
	}
	return out
}

// resultCookies adds to out the result attributes of the unary method m
// that its HTTP responses set as cookies (Cookie in Response): the client
// decodes the body, which lacks them, into the whole result type.
func resultCookies(out map[string]map[string]bool, m *expr.MethodExpr, e *expr.HTTPEndpointExpr) {
	if e == nil || m.Result == nil || m.IsStreaming() {
		return
	}
	obj := expr.AsObject(m.Result.Type)
	if obj == nil {
		return
	}
	var name string
	switch t := m.Result.Type.(type) {
	case expr.UserType:
		name = codegen.GoTypeName(t)
	case *expr.Object:
		name = codegen.MethodTypeName(m, "Result")
	default:
		return
	}
	for _, r := range e.Responses {
		for _, nat := range *obj {
			if mapped(r.Cookies, nat.Name) {
				if out[name] == nil {
					out[name] = map[string]bool{}
				}
				out[name][nat.Name] = true
			}
		}
	}
}

// mapped reports whether m maps the attribute name.
func mapped(m *expr.MappedAttributeExpr, name string) bool {
	return m != nil && m.AttributeExpr != nil && m.Find(name) != nil
}

// defaults returns the composite literal fields giving the attributes of an
// object their default value.
func defaults(att *expr.AttributeExpr) string {
	var parts []string
	for _, nat := range *expr.AsObject(att.Type) {
		a := nat.Attribute
		if !a.HasDefaultValue() || codegen.IsPointerField(att, nat.Name) {
			continue
		}
		if expr.AsMap(a.Type) != nil || codegen.IsStruct(a.Type) {
			continue
		}
		parts = append(parts, codegen.GoFieldName(nat.Name)+": "+codegen.GoLiteral(a.DefaultValue, a.Type, ""))
	}
	return strings.Join(parts, ", ")
}

// serviceError records a design error: a typed error for an error type other
// than the default, a Make function otherwise.
func (b *builder) serviceError(e *expr.ErrorExpr) {
	goName := codegen.Goify(e.Name, true)
	for _, x := range b.data.Errors {
		if x.Name == e.Name {
			return
		}
	}
	if e.AttributeExpr == nil || e.Type == nil || e.Type == expr.ErrorResult {
		ed := &errorData{Name: e.Name, GoName: goName, Doc: codegen.Comment(e.Description)}
		if e.AttributeExpr != nil {
			_, ed.Timeout = e.Meta["goa:error:timeout"]
			_, ed.Temporary = e.Meta["goa:error:temporary"]
			_, ed.Fault = e.Meta["goa:error:fault"]
		}
		b.data.Errors = append(b.data.Errors, ed)
		return
	}
	if ut, ok := e.Type.(expr.UserType); ok {
		b.collect(ut, "")
		name := codegen.GoTypeName(ut)
		if b.errs[name] == nil {
			body := "return " + strconvQuote(ut.Attribute().Description)
			if obj := expr.AsObject(ut); obj != nil {
				if m := obj.Attribute("message"); m != nil && expr.Underlying(m.Type) == expr.String {
					body = "return e.Message"
					if codegen.IsPointerField(ut.Attribute(), "message") {
						body = "if e.Message == nil {\nreturn \"\"\n}\nreturn *e.Message"
					}
				}
			} else if expr.Underlying(ut) == expr.String {
				body = "return string(e)"
			}
			recv := name
			if codegen.IsStruct(ut) {
				recv = "*" + name
			}
			b.errs[name] = &typeErrorData{Name: e.Name, Recv: recv, Body: body}
		}
		return
	}
	// A primitive or array error type: a named type of the error's name.
	if ut, ok := b.named[goName]; ok {
		b.clash(ut, fmt.Sprintf("type %q and error %q both become the Go type %s", ut.Name(), e.Name, goName))
	}
	td := &typeData{
		Name: goName,
		Doc:  codegen.Comment(orDefault(e.Description, goName+" is the \""+e.Name+"\" error of the "+b.svc.Name+" service.")),
		Def:  codegen.GoTypeRef(e.Type, ""),
	}
	body := "return " + strconvQuote(e.Description)
	if expr.Underlying(e.Type) == expr.String {
		body = "return string(e)"
	}
	td.Error = &typeErrorData{Name: e.Name, Recv: goName, Body: body}
	b.collect(e.Type, "")
	b.types[goName] = td
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// clash records a naming conflict found in the design at the position of ut.
func (b *builder) clash(ut expr.UserType, msg string) {
	b.clashAt(ut.Attribute(), msg)
}

// clashAt records a naming conflict found in the design at the position of
// att (which may be nil).
func (b *builder) clashAt(att *expr.AttributeExpr, msg string) {
	var pos expr.Pos
	if att != nil {
		pos = att.Pos
	}
	b.errors = append(b.errors, expr.Errorf(pos, "service %q: %s; rename one of them (TypeName)", b.svc.Name, msg))
}

// checkNames fails the generation of a design whose type names collide with
// the names the service package declares, which would not compile.
func (b *builder) checkNames() {
	taken := map[string]string{
		"Service": "service interface", "Auther": "Auther interface", "Endpoints": "Endpoints struct",
		"Client": "Client struct", "NewEndpoints": "NewEndpoints function", "NewClient": "NewClient function",
		"APIName": "APIName constant", "APIVersion": "APIVersion constant", "ServiceName": "ServiceName constant",
		"MethodNames": "MethodNames variable",
	}
	for _, m := range b.data.Methods {
		for _, n := range []string{m.GoName + "ServerStream", m.GoName + "ClientStream", m.GoName + "EndpointInput", "New" + m.GoName + "Endpoint"} {
			taken[n] = "declaration of method " + strconvQuote(m.Name)
		}
	}
	for _, e := range b.data.Errors {
		taken["Make"+e.GoName] = "constructor of error " + strconvQuote(e.Name)
	}
	for _, v := range b.viewed {
		for _, n := range []string{v.ViewedName, v.ViewName, "NewViewed" + v.Name, "New" + v.Name} {
			taken[n] = "view declaration of " + v.Name
		}
	}
	for _, v := range b.data.Validators {
		taken[v.Name] = "validation function " + v.Name
	}
	b.interceptorNames(taken)
	for name, u := range b.unions {
		d := union(u, "")
		decls := []string{d.Name, d.KindName}
		for _, v := range d.Variants {
			decls = append(decls, v.KindConst, "New"+d.Name+v.Field)
		}
		for _, n := range decls {
			if what, ok := taken[n]; ok {
				b.clashAt(b.unionAt[u], fmt.Sprintf("OneOf %q declares %s, the name of the %s", u.TypeName, n, what))
			}
			if ut, ok := b.named[n]; ok {
				b.clashAt(b.unionAt[u], fmt.Sprintf("OneOf %q declares %s, the Go name of type %q", u.TypeName, n, ut.Name()))
			}
			taken[n] = "declaration of OneOf " + strconvQuote(u.TypeName)
		}
		_ = name
	}
	for name, ut := range b.named {
		if what, ok := taken[name]; ok {
			b.clash(ut, fmt.Sprintf("type %q becomes the Go type %s, the name of the %s", ut.Name(), name, what))
		}
		if what, ok := taken["Validate"+name]; ok {
			b.clash(ut, fmt.Sprintf("the validation function of type %q, Validate%s, is the name of the %s", ut.Name(), name, what))
		}
	}
}
