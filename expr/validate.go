package expr

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Validate checks the design and returns every error found. Each error
// carries the position of the DSL call that declared the offending
// expression and its message names the method (when there is one) and
// says what to change. eval.RunDSL calls it after Prepare.
func (r *RootExpr) Validate() []*Error {
	v := &validator{root: r, seen: map[UserType]bool{}, typeAttrs: map[*AttributeExpr]bool{}}
	for _, list := range [][]UserType{r.Types, r.ResultTypes} {
		for _, ut := range list {
			v.typeAttrs[ut.Attribute()] = true
		}
	}
	for _, e := range r.API.Errors {
		v.attribute(e.AttributeExpr, "API", fmt.Sprintf("error %q", e.Name))
	}
	for _, s := range r.Services {
		v.service(s)
		for _, m := range s.Methods {
			if m.SSEFallbackPos.Line > 0 && m.Stream != ServerStreamKind {
				v.errorf(m.SSEFallbackPos, "method %q: SSEFallback needs a server→client stream (StreamingResult without StreamingPayload): Server-Sent Events carry nothing from the client; remove it or use a WebSocket", m.Name)
			}
		}
	}
	v.routes()
	for _, list := range [][]UserType{r.Types, r.ResultTypes} {
		for _, ut := range list {
			if !v.seen[ut] {
				v.seen[ut] = true
				v.viewsOnType(ut, fmt.Sprintf("type %q", ut.Name()))
				v.attribute(ut.Attribute(), fmt.Sprintf("type %q", ut.Name()), "")
			}
		}
	}
	for _, hs := range r.API.HTTP.Services {
		if hs.ServiceExpr == nil || r.Service(hs.ServiceExpr.Name) != hs.ServiceExpr {
			continue
		}
		for _, e := range hs.Endpoints {
			v.sse(e)
		}
		for _, he := range hs.HTTPErrors {
			if hs.ServiceExpr.Error(he.Name) == nil && apiError(r, he.Name) == nil {
				v.errorf(he.Pos, "service %q: Response(%q) names no error of the service: add Error(%q) to the service or fix the name", hs.ServiceExpr.Name, he.Name, he.Name)
			}
		}
	}
	for _, srv := range r.API.Servers {
		for _, name := range srv.Services {
			if r.Service(name) == nil {
				v.errorf(srv.Pos, "server %q hosts service %q, which is not defined: fix the name in Services or declare the service", srv.Name, name)
			}
		}
	}
	for _, he := range r.API.HTTP.HTTPErrors {
		if apiError(r, he.Name) == nil {
			v.errorf(he.Pos, "API: Response(%q) names no error of the API: add Error(%q) to the API or fix the name", he.Name, he.Name)
		}
	}
	return v.errs
}

func apiError(r *RootExpr, name string) *ErrorExpr {
	for _, e := range r.API.Errors {
		if e.Name == name {
			return e
		}
	}
	return nil
}

type validator struct {
	root      *RootExpr
	seen      map[UserType]bool
	typeAttrs map[*AttributeExpr]bool // attributes of user types
	errs      []*Error
}

func (v *validator) errorf(pos Pos, format string, args ...any) {
	v.errs = append(v.errs, Errorf(pos, format, args...))
}

func methodContext(m *MethodExpr) string {
	return fmt.Sprintf("method %q of service %q", m.Name, m.Service.Name)
}

func (v *validator) service(s *ServiceExpr) {
	first := map[string]*MethodExpr{}
	for _, m := range s.Methods {
		if prev, ok := first[m.Name]; ok {
			v.errorf(m.Pos, "method %q is defined twice in service %q (first at %s): rename or remove one", m.Name, s.Name, prev.Pos)
			continue
		}
		first[m.Name] = m
		v.method(m)
	}
	for _, e := range s.Errors {
		v.attribute(e.AttributeExpr, fmt.Sprintf("service %q", s.Name), fmt.Sprintf("error %q", e.Name))
	}
}

func (v *validator) method(m *MethodExpr) {
	ctx := methodContext(m)
	v.attribute(m.Payload, ctx, "payload")
	if m.IsResultStreaming() {
		v.attribute(m.Result, ctx, "streaming result")
	} else {
		v.attribute(m.Result, ctx, "result")
	}
	v.attribute(m.StreamingPayload, ctx, "streaming payload")
	for _, e := range m.Errors {
		if containsError(m.Service.Errors, e) || containsError(v.root.API.Errors, e) {
			continue // validated with the service
		}
		v.attribute(e.AttributeExpr, ctx, fmt.Sprintf("error %q", e.Name))
	}
	v.security(m)
	v.interceptors(m)
	v.http(m)
}

func containsError(list []*ErrorExpr, e *ErrorExpr) bool { return slices.Contains(list, e) }

// security checks that the payload carries the credentials of every
// required scheme and that required scopes exist.
func (v *validator) security(m *MethodExpr) {
	ctx := methodContext(m)
	for _, req := range m.Requirements {
		for _, s := range req.Schemes {
			var missing, fix string
			switch s.Kind {
			case JWTKind:
				if securityAttr(m.Payload, "token", "") == "" {
					missing, fix = "JWT attribute", `Token("token", String)`
				}
			case BasicAuthKind:
				if securityAttr(m.Payload, "username", "") == "" {
					missing, fix = "username attribute", `Username("user", String)`
				} else if securityAttr(m.Payload, "password", "") == "" {
					missing, fix = "password attribute", `Password("password", String)`
				}
			case APIKeyKind:
				if securityAttr(m.Payload, "apikey", s.SchemeName) == "" {
					missing, fix = "API key attribute", fmt.Sprintf(`APIKey(%q, "key", String)`, s.SchemeName)
				}
			case OAuth2Kind:
				if securityAttr(m.Payload, "accesstoken", "") == "" {
					missing, fix = "OAuth2 access token attribute", `AccessToken("token", String)`
				}
			}
			if missing != "" {
				v.errorf(req.Pos, "%s requires %s security %q but its payload has no %s: add %s to the method's Payload", ctx, s.Kind, s.SchemeName, missing, fix)
			}
		}
		for _, sc := range req.Scopes {
			found := false
			for _, s := range req.Schemes {
				if s.Scope(sc) != nil {
					found = true
				}
			}
			if !found {
				v.errorf(req.Pos, "%s: security scope %q is not declared by any of the required schemes: add Scope(%q) to the scheme", ctx, sc, sc)
			}
		}
	}
}

// securityAttr returns the name of the payload attribute carrying the
// credential kind, or "".
func securityAttr(payload *AttributeExpr, kind, scheme string) string {
	obj := AsObject(payload.Type)
	if obj == nil {
		return ""
	}
	for _, nat := range *obj {
		k, sch := SecurityAttribute(nat.Attribute)
		if k == kind && (kind != "apikey" || sch == scheme) {
			return nat.Name
		}
	}
	return ""
}

// endpointOf returns the HTTP endpoint of m or nil.
func endpointOf(r *RootExpr, m *MethodExpr) *HTTPEndpointExpr {
	for _, hs := range r.API.HTTP.Services {
		if hs.ServiceExpr != m.Service {
			continue
		}
		for _, ep := range hs.Endpoints {
			if ep.MethodExpr == m {
				return ep
			}
		}
	}
	return nil
}

func streamDSL(m *MethodExpr) string {
	switch m.Stream {
	case ClientStreamKind:
		return "StreamingPayload"
	case ServerStreamKind:
		return "StreamingResult"
	}
	return "StreamingPayload and StreamingResult"
}

func (v *validator) http(m *MethodExpr) {
	ctx := methodContext(m)
	ep := endpointOf(v.root, m)
	verb := "POST"
	if m.IsStreaming() {
		verb = "GET"
	}
	if ep == nil {
		v.errorf(m.Pos, "%s has no HTTP route: add HTTP(func() { %s(\"/%s\") }) to the method", ctx, verb, m.Name)
		return
	}
	if len(ep.Routes) == 0 {
		v.errorf(ep.Pos, "%s: the HTTP block has no route: add %s(\"/%s\")", ctx, verb, m.Name)
	}
	if m.IsStreaming() {
		for _, r := range ep.Routes {
			if r.Method != "GET" {
				v.errorf(r.Pos, "%s streams (%s) and must be mapped to GET, the WebSocket upgrade request: change %s(%q) to GET(%q)", ctx, streamDSL(m), r.Method, r.Path, r.Path)
			}
		}
		if ep.Body != nil {
			v.errorf(ep.Body.Pos, "%s streams (%s): the WebSocket upgrade request has no body; remove Body and map the payload attributes with Param or Header", ctx, streamDSL(m))
		}
		for _, nb := range v.bodyAttributes(m, ep) {
			if nb.name == "" {
				v.errorf(nb.pos, "%s streams (%s), so its payload travels in the upgrade request, which has no body: map the payload with Param(\"name\") or Header(\"name\")", ctx, streamDSL(m))
				continue
			}
			v.errorf(nb.pos, "%s streams (%s), so its payload travels in the upgrade request, which has no body: payload attribute %q must be mapped with Param(%q) or Header(%q) in the HTTP block", ctx, streamDSL(m), nb.name, nb.name, nb.name)
		}
		if ep.SubjectRate != nil {
			v.errorf(ep.SubjectRate.Pos, "%s streams (%s): SubjectRate in its HTTP block limits unary requests; move it into the WebSocket block to limit the messages of its streams", ctx, streamDSL(m))
		}
	} else if ep.WebSocket != nil {
		v.errorf(ep.WebSocket.Pos, "%s does not stream: WebSocket applies to methods with StreamingPayload or StreamingResult; remove it", ctx)
	}
	v.mapped(m, ep, ep.Params, "Param", "a query string")
	v.mapped(m, ep, ep.Headers, "Header", "a header")
	v.mapped(m, ep, ep.Cookies, "Cookie", "a cookie")
	v.responseCookies(m, ep)
	for _, r := range ep.Routes {
		for _, w := range r.Params() {
			if ep.Params.Find(w) != nil {
				continue
			}
			dt := payloadAttrType(m, ep, w)
			if dt == nil {
				v.errorf(r.Pos, "%s: route %q has wildcard {%s} but the payload has no attribute %q: add Attribute(%q, String) to the method's Payload", ctx, r.FullPath(), w, w, w)
				continue
			}
			if p, ok := Underlying(dt).(Primitive); !ok || p == Any {
				v.errorf(r.Pos, "%s: path parameter %q has type %s, which cannot travel in a path: use a primitive type", ctx, w, typeDesc(dt))
			}
		}
	}
	for _, he := range ep.HTTPErrors {
		if m.Error(he.Name) == nil {
			v.errorf(he.Pos, "%s: Response(%q) names no error of the method: add Error(%q) to the method or its service, or fix the name", ctx, he.Name, he.Name)
		}
	}
	if ep.Body != nil && !m.IsStreaming() {
		if name, ok := ep.Body.Meta.Last("origin:attribute"); ok && m.Payload.Find(name) == nil {
			v.errorf(ep.Body.Pos, "%s: Body(%q) names no attribute of the payload: add Attribute(%q, ...) to the method's Payload or fix the name", ctx, name, name)
		}
		if obj, ok := ep.Body.Type.(*Object); ok {
			for _, nat := range *obj {
				if m.Payload.Find(nat.Name) == nil {
					v.errorf(nat.Attribute.Pos, "%s: Body attribute %q is not an attribute of the payload: add Attribute(%q, ...) to the method's Payload or fix the name", ctx, nat.Name, nat.Name)
				}
			}
		}
	}
}

// mapped checks Param and Header mappings: each names a payload attribute
// whose type can travel in a query string or header.
func (v *validator) mapped(m *MethodExpr, ep *HTTPEndpointExpr, ma *MappedAttributeExpr, fn, where string) {
	ctx := methodContext(m)
	if ma == nil {
		return
	}
	for _, nat := range *ma.Object() {
		dt := payloadAttrType(m, ep, nat.Name)
		if dt == nil {
			v.errorf(nat.Attribute.Pos, "%s: %s(%q) names no attribute of the payload: add Attribute(%q, String) to the method's Payload or fix the name", ctx, fn, nat.Name, nat.Name)
			continue
		}
		if nat.Attribute.Type != nil {
			dt = nat.Attribute.Type
		}
		if !queryable(dt) || (fn == "Cookie" && !cookieable(dt)) {
			v.errorf(nat.Attribute.Pos, "%s: %s(%q) has type %s, which cannot travel in %s: use a primitive (not Any) or an array of primitives%s", ctx, fn, nat.Name, typeDesc(dt), where, bodyHint(m))
		}
	}
}

func bodyHint(m *MethodExpr) string {
	if m.IsPayloadStreaming() {
		return ", or send it in the StreamingPayload"
	}
	if !m.IsStreaming() {
		return ", or leave it in the request body"
	}
	return ""
}

// cookieable reports whether values of dt can travel in a cookie: one
// primitive other than Any (a cookie holds one value).
func cookieable(dt DataType) bool {
	p, ok := Underlying(dt).(Primitive)
	return ok && p != Any
}

// responseCookies checks the cookies of the responses of m: only a unary
// method's response sets cookies (a stream's upgrade response carries none
// of its results), each a result attribute that fits in a cookie.
func (v *validator) responseCookies(m *MethodExpr, ep *HTTPEndpointExpr) {
	ctx := methodContext(m)
	for _, r := range ep.Responses {
		if r.Cookies == nil || r.Cookies.Len() == 0 {
			continue
		}
		if m.IsStreaming() {
			v.errorf(r.Pos, "%s streams (%s): its results travel on the WebSocket, not in the upgrade response, so Response cannot set cookies; set them from a unary method (a login)", ctx, streamDSL(m))
			continue
		}
		obj := AsObject(m.Result.Type)
		for _, nat := range *r.Cookies.Object() {
			var dt DataType
			switch {
			case obj != nil:
				if a := obj.Attribute(nat.Name); a != nil {
					dt = a.Type
				}
			case !IsEmpty(m.Result.Type) && r.Cookies.Len() == 1:
				dt = m.Result.Type
			}
			if dt == nil {
				v.errorf(nat.Attribute.Pos, "%s: Cookie(%q) in Response names no attribute of the result: add Attribute(%q, String) to the method's Result or fix the name", ctx, nat.Name, nat.Name)
				continue
			}
			if !cookieable(dt) {
				v.errorf(nat.Attribute.Pos, "%s: Cookie(%q) has type %s, which cannot travel in a cookie: use a primitive (not Any)", ctx, nat.Name, typeDesc(dt))
			}
		}
	}
}

// payloadAttrType returns the type of the payload attribute name, the
// payload type itself when the payload is not an object and is mapped to a
// single element, or nil.
func payloadAttrType(m *MethodExpr, ep *HTTPEndpointExpr, name string) DataType {
	if IsEmpty(m.Payload.Type) {
		return nil
	}
	if obj := AsObject(m.Payload.Type); obj != nil {
		if a := obj.Attribute(name); a != nil {
			return a.Type
		}
		return nil
	}
	if ep.Params.Len()+ep.Headers.Len()+cookieLen(ep) <= 1 {
		return m.Payload.Type
	}
	return nil
}

// cookieLen returns the number of request cookies of ep (Cookies is nil
// before Finalize when the design declares none).
func cookieLen(ep *HTTPEndpointExpr) int {
	if ep.Cookies == nil {
		return 0
	}
	return ep.Cookies.Len()
}

// queryable reports whether values of dt can travel in a query string or
// header: primitives other than Any and arrays of them.
func queryable(dt DataType) bool {
	switch t := Underlying(dt).(type) {
	case Primitive:
		return t != Any
	case *Array:
		if t.ElemType == nil {
			return false
		}
		p, ok := Underlying(t.ElemType.Type).(Primitive)
		return ok && p != Any
	}
	return false
}

func typeDesc(dt DataType) string {
	switch t := dt.(type) {
	case nil:
		return "unknown"
	case UserType:
		return fmt.Sprintf("%s (%s)", t.Name(), typeDesc(t.Attribute().Type))
	case *Array:
		if t.ElemType != nil {
			return "array of " + typeDesc(t.ElemType.Type)
		}
	case *Map:
		return "map"
	case *Union:
		return fmt.Sprintf("OneOf(%q)", t.TypeName)
	}
	return dt.Name()
}

type namedPos struct {
	name string
	pos  Pos
}

// bodyAttributes returns the payload attributes that travel in neither the
// path, the query, headers nor the Authorization header: those that would
// need a request body. A non-object payload not mapped to an element is
// returned with an empty name.
func (v *validator) bodyAttributes(m *MethodExpr, ep *HTTPEndpointExpr) []namedPos {
	if IsEmpty(m.Payload.Type) {
		return nil
	}
	wild := map[string]bool{}
	for _, r := range ep.Routes {
		for _, w := range r.Params() {
			wild[w] = true
		}
	}
	obj := AsObject(m.Payload.Type)
	if obj == nil {
		if ep.Params.Len()+ep.Headers.Len()+cookieLen(ep)+len(wild) == 0 {
			return []namedPos{{pos: m.Payload.Pos}}
		}
		return nil
	}
	var out []namedPos
	for _, nat := range *obj {
		if ep.Params.Find(nat.Name) != nil || ep.Headers.Find(nat.Name) != nil || (ep.Cookies != nil && ep.Cookies.Find(nat.Name) != nil) || wild[nat.Name] {
			continue
		}
		if k, _ := SecurityAttribute(nat.Attribute); k != "" {
			continue // credentials travel in the Authorization header by default
		}
		out = append(out, namedPos{nat.Name, nat.Attribute.Pos})
	}
	return out
}

// firstRoute is the first method route (m, r) or file server (f) seen on
// a verb and path.
type firstRoute struct {
	m *MethodExpr
	r *RouteExpr
	f *HTTPFileServerExpr
}

// files checks the file servers of every service (Files) and records
// their routes in seen: a {*wildcard} may only end the path, and two file
// servers may not share a path.
func (v *validator) files(seen map[string]firstRoute) {
	for _, hs := range v.root.API.HTTP.Services {
		for _, f := range hs.FileServers {
			ctx := fmt.Sprintf("service %q: Files(%q, %q)", hs.Name(), f.RequestPath, f.FilePath)
			if f.FilePath == "" {
				v.errorf(f.Pos, "%s: the file path is empty: name the file or directory to serve", ctx)
			}
			rest := f.RequestPath
			if w := f.Wildcard(); w != "" {
				rest = strings.TrimSuffix(rest, "/{*"+w+"}")
			}
			if strings.ContainsAny(rest, "{}") {
				v.errorf(f.Pos, "%s: only a {*wildcard} ending the path is allowed (it names the file under the directory): remove the other wildcards", ctx)
				continue
			}
			key := "GET " + wildcardRE.ReplaceAllString(f.FullPath(), "/{}")
			if prev, ok := seen[key]; ok && prev.f != nil {
				v.errorf(f.Pos, "%s: path %s is already served by Files(%q) (%s): change one of the paths", ctx, f.FullPath(), prev.f.RequestPath, prev.f.Pos)
				continue
			}
			seen[key] = firstRoute{f: f}
		}
	}
}

// routes reports routes used twice (same verb and full path, wildcard
// names ignored) across the API.
func (v *validator) routes() {
	type first = firstRoute
	seen := map[string]first{}
	v.files(seen)
	for _, s := range v.root.Services {
		for _, m := range s.Methods {
			ep := endpointOf(v.root, m)
			if ep == nil {
				continue
			}
			for _, r := range ep.Routes {
				for _, full := range r.FullPaths() {
					key := r.Method + " " + wildcardRE.ReplaceAllString(full, "/{}")
					if f, ok := seen[key]; ok {
						if f.r == r {
							continue
						}
						if f.m == nil {
							v.errorf(r.Pos, "%s: route %s %s is already used by Files(%q) (%s): change one of the paths", methodContext(m), r.Method, full, f.f.RequestPath, f.f.Pos)
							continue
						}
						v.errorf(r.Pos, "%s: route %s %s is already used by method %q of service %q (%s): change one of the paths", methodContext(m), r.Method, full, f.m.Name, f.m.Service.Name, f.r.Pos)
						continue
					}
					seen[key] = first{m: m, r: r}
				}
			}
		}
	}
}

// attribute validates att (described as what in context ctx) and its
// children.
func (v *validator) attribute(att *AttributeExpr, ctx, what string) {
	if att == nil || att.Type == nil {
		return
	}
	label := ctx
	if what != "" {
		label = ctx + ", " + what
	}
	v.validations(att, label)
	switch t := att.Type.(type) {
	case *Object:
		for _, nat := range *t {
			v.attribute(nat.Attribute, ctx, join(what, nat.Name))
		}
	case *Array:
		v.attribute(t.ElemType, ctx, what+"[]")
	case *Map:
		v.attribute(t.KeyType, ctx, what+"{key}")
		v.attribute(t.ElemType, ctx, what+"{value}")
	case *Union:
		v.union(t, att, label)
		for _, nat := range t.Values {
			v.attribute(nat.Attribute, ctx, fmt.Sprintf("%s (variant %q)", what, nat.Name))
		}
	case UserType:
		if t == UserType(Empty) || v.seen[t] {
			return
		}
		v.seen[t] = true
		v.viewsOnType(t, label)
		v.attribute(t.Attribute(), label, fmt.Sprintf("type %q", t.Name()))
	}
}

// union checks what OneOf defined: at least one variant, distinct JSON keys
// for the variant's name and value, and no Default (a union has no literal
// value in the design).
func (v *validator) union(u *Union, att *AttributeExpr, label string) {
	if len(u.Values) == 0 {
		v.errorf(att.Pos, "%s: OneOf(%q) has no variant: list them with Attribute(name, Type) in its function", label, u.TypeName)
	}
	if u.GetTypeKey() == u.GetValueKey() {
		v.errorf(att.Pos, "%s: OneOf(%q): the JSON keys of the variant's name and value are both %q: set Meta(\"oneof:type:field\") and Meta(\"oneof:value:field\") to different keys", label, u.TypeName, u.GetTypeKey())
	}
	if att.HasDefaultValue() {
		v.errorf(att.PosOf("Default"), "%s: Default does not apply to OneOf(%q): a union has no default variant; remove Default", label, u.TypeName)
	}
}

// viewsOnType reports View calls in a Type (not a ResultType): only result
// types have views, and only result streams of result types offer SetView.
func (v *validator) viewsOnType(ut UserType, label string) {
	t, ok := ut.(*UserTypeExpr)
	if !ok {
		return
	}
	var names []string
	for k := range t.DSLPos {
		if name, ok := strings.CutPrefix(k, "View:"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		v.errorf(t.DSLPos["View:"+name], "%s: View(%q) is used in type %q, which is declared with Type and cannot have views: declare it with ResultType(\"application/vnd.%s\", func() { TypeName(%q); ... }) so that its result streams offer SetView",
			label, name, t.TypeName, strings.ToLower(t.TypeName), t.TypeName)
	}
}

func join(what, name string) string {
	if what == "" {
		return "attribute " + name
	}
	return what + "." + name
}

func isNumeric(dt DataType) bool {
	p, ok := Underlying(dt).(Primitive)
	return ok && p.IsNumeric()
}

func hasLength(dt DataType) bool {
	switch t := Underlying(dt).(type) {
	case Primitive:
		return t == String || t == Bytes
	case *Array, *Map:
		return true
	}
	return false
}

func isString(dt DataType) bool {
	p, ok := Underlying(dt).(Primitive)
	return ok && (p == String || p == Bytes)
}

// validations checks the validations and default of one attribute.
func (v *validator) validations(att *AttributeExpr, label string) {
	dt := att.Type
	if name, ok := att.Meta.Last("view"); ok && !v.typeAttrs[att] {
		rt, isRT := dt.(*ResultTypeExpr)
		switch {
		case !isRT:
			v.errorf(att.PosOf("View"), "%s: View(%q) selects a view, but its type %s is not a ResultType: declare the type with ResultType to give it views, or remove View", label, name, typeDesc(dt))
		case rt.View(name) == nil:
			v.errorf(att.PosOf("View"), "%s: View(%q) names no view of result type %q: add View(%q, func() { ... }) to it or use one of %s", label, name, rt.TypeName, name, viewNames(rt))
		}
	}
	val := att.Validation
	if val != nil {
		if len(val.Required) > 0 {
			obj := AsObject(dt)
			for _, n := range val.Required {
				pos := att.PosOf("Required:" + n)
				if obj == nil {
					v.errorf(pos, "%s: Required(%q) applies to objects, but the type is %s", label, n, typeDesc(dt))
					continue
				}
				if obj.Attribute(n) == nil {
					v.errorf(pos, "%s: Required(%q) names an attribute that does not exist (attributes: %s): add Attribute(%q, ...) or fix the name", label, n, strings.Join(obj.Names(), ", "), n)
				}
			}
		}
		for _, e := range val.Values {
			if !dt.IsCompatible(e) {
				v.errorf(att.PosOf("Enum"), "%s: Enum value %#v (%T) is not of type %s: use values of the attribute's type", label, e, e, typeDesc(dt))
			}
		}
		if (val.Minimum != nil || val.Maximum != nil || val.ExclusiveMinimum != nil || val.ExclusiveMaximum != nil) && !isNumeric(dt) {
			key := "Minimum"
			if val.Minimum == nil {
				key = "Maximum"
			}
			v.errorf(att.PosOf(key), "%s: %s applies to numbers, but the type is %s: use MinLength/MaxLength for strings and arrays", label, key, typeDesc(dt))
		}
		if val.Minimum != nil && val.Maximum != nil && *val.Minimum > *val.Maximum {
			v.errorf(att.PosOf("Maximum"), "%s: Minimum %v is greater than Maximum %v: swap or fix them", label, *val.Minimum, *val.Maximum)
		}
		if (val.MinLength != nil || val.MaxLength != nil) && !hasLength(dt) {
			key := "MinLength"
			if val.MinLength == nil {
				key = "MaxLength"
			}
			v.errorf(att.PosOf(key), "%s: %s applies to strings, bytes, arrays and maps, but the type is %s", label, key, typeDesc(dt))
		}
		if val.MinLength != nil && *val.MinLength < 0 {
			v.errorf(att.PosOf("MinLength"), "%s: MinLength %d is negative", label, *val.MinLength)
		}
		if val.MaxLength != nil && *val.MaxLength < 0 {
			v.errorf(att.PosOf("MaxLength"), "%s: MaxLength %d is negative", label, *val.MaxLength)
		}
		if val.MinLength != nil && val.MaxLength != nil && *val.MinLength > *val.MaxLength {
			v.errorf(att.PosOf("MaxLength"), "%s: MinLength %d is greater than MaxLength %d: swap or fix them", label, *val.MinLength, *val.MaxLength)
		}
		if val.Format != "" {
			if !isString(dt) {
				v.errorf(att.PosOf("Format"), "%s: Format applies to strings, but the type is %s", label, typeDesc(dt))
			}
			if !knownFormat(val.Format) {
				v.errorf(att.PosOf("Format"), "%s: unknown format %q: use one of the Format constants (FormatDateTime, FormatUUID ...)", label, val.Format)
			}
		}
		if val.Pattern != "" {
			if !isString(dt) {
				v.errorf(att.PosOf("Pattern"), "%s: Pattern applies to strings, but the type is %s", label, typeDesc(dt))
			}
			if _, err := regexp.Compile(val.Pattern); err != nil {
				v.errorf(att.PosOf("Pattern"), "%s: Pattern %q is not a valid regular expression: %v", label, val.Pattern, err)
			}
		}
	}
	if att.DefaultValue != nil {
		v.defaultValue(att, label)
	}
}

func (v *validator) defaultValue(att *AttributeExpr, label string) {
	pos := att.PosOf("Default")
	def, dt := att.DefaultValue, att.Type
	if !dt.IsCompatible(def) {
		v.errorf(pos, "%s: Default %#v (%T) is not of type %s: use a value of the attribute's type", label, def, def, typeDesc(dt))
		return
	}
	val := att.Validation
	if val == nil {
		return
	}
	if len(val.Values) > 0 && !slices.ContainsFunc(val.Values, func(e any) bool { return equalValues(e, def) }) {
		v.errorf(pos, "%s: Default %#v is not one of the Enum values %v: use one of them", label, def, val.Values)
	}
	if f, ok := toFloat(def); ok {
		if val.Minimum != nil && f < *val.Minimum {
			v.errorf(pos, "%s: Default %v is less than Minimum %v", label, def, *val.Minimum)
		}
		if val.Maximum != nil && f > *val.Maximum {
			v.errorf(pos, "%s: Default %v is greater than Maximum %v", label, def, *val.Maximum)
		}
	}
	if s, ok := def.(string); ok {
		n := len([]rune(s))
		if val.MinLength != nil && n < *val.MinLength {
			v.errorf(pos, "%s: Default %q is shorter than MinLength %d", label, s, *val.MinLength)
		}
		if val.MaxLength != nil && n > *val.MaxLength {
			v.errorf(pos, "%s: Default %q is longer than MaxLength %d", label, s, *val.MaxLength)
		}
	}
}

func equalValues(a, b any) bool {
	fa, oka := toFloat(a)
	fb, okb := toFloat(b)
	if oka && okb {
		return fa == fb
	}
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

func toFloat(x any) (float64, bool) {
	switch n := x.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n)
	}
	return 0, false
}

func knownFormat(f ValidationFormat) bool {
	switch f {
	case FormatDate, FormatDateTime, FormatUUID, FormatEmail, FormatHostname, FormatIPv4, FormatIPv6,
		FormatIP, FormatURI, FormatMAC, FormatCIDR, FormatRegexp, FormatJSON, FormatRFC1123:
		return true
	}
	return false
}

func viewNames(rt *ResultTypeExpr) string {
	names := make([]string, len(rt.Views))
	for i, v := range rt.Views {
		names[i] = fmt.Sprintf("%q", v.Name)
	}
	return strings.Join(names, ", ")
}
