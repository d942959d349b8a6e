package httpgen

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"duplex.dev/codegen"
	"duplex.dev/codegen/service"
	"duplex.dev/expr"
)

// Files returns the HTTP and WebSocket server and client of every service of
// root and the CLI of the API: gen/http/<service>/{server,client}/*.go and
// gen/http/cli/<api>/cli.go. genPkg is the import path of the gen directory.
func Files(genPkg string, root *expr.RootExpr) ([]*codegen.File, error) {
	var services []*serviceData
	var files []*codegen.File
	for _, svc := range root.Services {
		hs := root.API.HTTP.Service(svc.Name)
		if hs == nil || len(hs.Endpoints)+len(hs.FileServers) == 0 {
			continue
		}
		s, err := buildService(genPkg, root, hs)
		if err != nil {
			return nil, err
		}
		fs, err := serviceFiles(s)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
		services = append(services, s)
	}
	if len(services) == 0 {
		return files, nil
	}
	cli, err := cliFile(root.API.Name, services)
	if err != nil {
		return nil, err
	}
	return append(files, cli), nil
}

// buildService turns the HTTP mapping of one service into template data.
func buildService(genPkg string, root *expr.RootExpr, hs *expr.HTTPServiceExpr) (*serviceData, error) {
	svc := hs.ServiceExpr
	pkg := codegen.PackageName(svc.Name)
	dir := codegen.SnakeCase(svc.Name)
	s := &serviceData{
		Name:       svc.Name,
		GoName:     codegen.Goify(svc.Name, true),
		PkgName:    codegen.ServiceImportName(pkg),
		ImportPath: path.Join(genPkg, pkg),
		ServerPath: path.Join(genPkg, "http", dir, "server"),
		ClientPath: path.Join(genPkg, "http", dir, "client"),
		APIName:    root.API.Name,
	}
	for _, e := range hs.Endpoints {
		m, err := buildMethod(s, e)
		if err != nil {
			pos := e.Pos
			if pos.IsZero() {
				pos = e.MethodExpr.Pos
			}
			return nil, expr.Errorf(pos, "service %q method %q: %v", svc.Name, e.Name(), err)
		}
		m.EventStream = e.MethodExpr.EventStream(root.API)
		if se := e.GoaSSE(root.API); se != nil && e.MethodExpr.Stream == expr.ServerStreamKind {
			m.SSE = buildGoaSSE(e.MethodExpr, se, s.PkgName)
			m.EventStream = true
		}
		s.Methods = append(s.Methods, m)
	}
	taken := map[string]bool{"Mounts": true, "Service": true, "Use": true, "Mount": true, "Shutdown": true}
	for _, m := range s.Methods {
		taken[m.GoName] = true
	}
	args := map[string]bool{"e": true, "wsrv": true, "opts": true, "mgr": true}
	for _, f := range hs.FileServers {
		fd := &fileServerData{
			Field:       "Files", // a file path without letters ("/", ".")
			RequestPath: f.RequestPath,
			FilePath:    f.FilePath,
			Wildcard:    f.Wildcard(),
		}
		if strings.ContainsFunc(f.FilePath, unicode.IsLetter) {
			fd.Field = codegen.Goify(f.FilePath, true) // Goa's name
		}
		for taken[fd.Field] {
			fd.Field += "Files"
		}
		taken[fd.Field] = true
		fd.ArgName = "fileSystem" + fd.Field
		for args[fd.ArgName] {
			fd.ArgName += "Arg"
		}
		args[fd.ArgName] = true
		p := muxPattern(f.FullPath())
		if p == "/" {
			p = "/{$}" // exactly /, as Goa mounts it; "/" alone matches every path
		}
		fd.Patterns = []string{p}
		s.FileServers = append(s.FileServers, fd)
	}
	for _, m := range s.Methods {
		m.HandlerField = m.GoName
		if m.GoName == "Mounts" || m.GoName == "Service" || m.GoName == "Use" || m.GoName == "Mount" || m.GoName == "Shutdown" {
			for m.HandlerField += "Handler"; taken[m.HandlerField]; {
				m.HandlerField += "Handler"
			}
			taken[m.HandlerField] = true
		}
	}
	return s, nil
}

func buildMethod(s *serviceData, e *expr.HTTPEndpointExpr) (*methodData, error) {
	me := e.MethodExpr
	if len(e.Routes) == 0 {
		return nil, fmt.Errorf("no HTTP route")
	}
	route := e.Routes[0]
	m := &methodData{
		Name:          me.Name,
		GoName:        codegen.Goify(me.Name, true),
		Verb:          route.Method,
		EndpointField: service.EndpointField(me),
		Pattern:       muxPattern(route.FullPath()),
	}
	seen := map[string]bool{}
	for _, r := range e.Routes {
		for _, p := range r.FullPaths() {
			rd := &routeData{Verb: r.Method, Pattern: muxPattern(p)}
			if key := rd.Verb + " " + rd.Pattern; !seen[key] {
				seen[key] = true
				m.Routes = append(m.Routes, rd)
			}
		}
	}
	switch me.Stream {
	case expr.ClientStreamKind:
		m.Stream = clientStream
	case expr.ServerStreamKind:
		m.Stream = serverStream
	case expr.BidirectionalStreamKind:
		m.Stream = bidiStream
	}
	pkg := s.PkgName

	// Payload.
	if !expr.IsEmpty(me.Payload.Type) {
		m.PayloadRef = codegen.MethodTypeRef(me, me.Payload, "Payload", pkg)
		m.PayloadType = strings.TrimPrefix(m.PayloadRef, "*")
		m.PayloadObj = expr.AsObject(me.Payload.Type) != nil
		m.ValidatePayload = qualify(pkg, service.ValidateFuncName(me, me.Payload, "Payload"))
		m.Body = !m.Streaming() && hasBody(e, me.Payload)
		if m.Body {
			m.BodyFields = bodyFields(e, me.Payload, pkg)
		}
		if err := buildParams(m, e, me.Payload); err != nil {
			return nil, err
		}
		if err := buildSecurity(m, e, me); err != nil {
			return nil, err
		}
	}

	// Results.
	hasResult := !expr.IsEmpty(me.Result.Type)
	if !m.Streaming() {
		if hasResult {
			m.ResultRef = codegen.MethodTypeRef(me, me.Result, "Result", pkg)
			m.ResultType = strings.TrimPrefix(m.ResultRef, "*")
			m.ResultPtr = m.ResultRef != m.ResultType
		}
		m.SuccessStatus = "http.StatusOK"
		if len(e.Responses) > 0 {
			m.SuccessStatus = statusConst(e.Responses[0].StatusCode)
			if err := buildResultCookies(m, e.Responses[0], me.Result, pkg); err != nil {
				return nil, err
			}
		}
	} else {
		if m.RecvsStream() {
			m.StreamPayloadRef = codegen.MethodTypeRef(me, me.StreamingPayload, "StreamingPayload", pkg)
			m.StreamPayloadType = strings.TrimPrefix(m.StreamPayloadRef, "*")
			m.StreamPayloadPtr = m.StreamPayloadRef != m.StreamPayloadType
			m.ValidateStream = qualify(pkg, service.ValidateFuncName(me, me.StreamingPayload, "StreamingPayload"))
			if m.ValidateStream == "" {
				m.ValidateStream = "nil"
			}
		}
		if hasResult {
			m.StreamResultRef = codegen.MethodTypeRef(me, me.Result, "Result", pkg)
			m.StreamResultType = strings.TrimPrefix(m.StreamResultRef, "*")
			m.StreamResultPtr = m.StreamResultRef != m.StreamResultType
			if fn := service.ViewedFuncName(me); fn != "" && m.SendsStream() {
				// Results are encoded projected on the view set with
				// SetView, else the method's view.
				m.ViewedFn = pkg + "." + fn
				m.DefaultView = service.ResultView(me)
			}
		}
		m.WSConfig = wsConfig(e.WebSocket)
		m.Resumable = e.WebSocket != nil && e.WebSocket.Resumable
		if w := e.WebSocket; w != nil && len(w.Subprotocols) > 0 && !m.Resumable {
			m.DialSubprotocols = []string{quoteAll(w.Subprotocols)}
		}
	}
	if r := e.SubjectRate; r != nil && !me.IsStreaming() {
		m.UnaryConfig = append(m.UnaryConfig, "SubjectRate: "+rateExpr(r.PerSecond), fmt.Sprintf("SubjectBurst: %d", r.Burst))
	}

	// Errors.
	for _, he := range e.HTTPErrors {
		if he.Response == nil {
			continue
		}
		m.Statuses = append(m.Statuses, &statusData{Name: he.Name, Status: statusConst(he.Response.StatusCode)})
	}
	return m, nil
}

// mappedAttr returns the attribute name of m, nil when m is nil or has none.
func mappedAttr(m *expr.MappedAttributeExpr, name string) *expr.AttributeExpr {
	if m == nil || m.AttributeExpr == nil {
		return nil
	}
	return m.Find(name)
}

// bodyFields returns the payload fields of the request body when some
// payload attributes travel elsewhere, nil when the whole payload is the
// body. Their tags follow the service package's (codegen.GoStructDef).
func bodyFields(e *expr.HTTPEndpointExpr, payload *expr.AttributeExpr, pkg string) []*bodyField {
	obj := expr.AsObject(payload.Type)
	if obj == nil {
		return nil
	}
	var fields []*bodyField
	for _, nat := range *obj {
		if !inBody(e, nat) {
			continue
		}
		tag := nat.Name
		if !payload.IsRequired(nat.Name) && !nat.Attribute.HasDefaultValue() {
			tag += ",omitempty"
		}
		fields = append(fields, &bodyField{
			Field: codegen.GoFieldName(nat.Name),
			Ref:   codegen.GoFieldRef(payload, nat.Name, pkg),
			Tag:   tag,
		})
	}
	if len(fields) == len(*obj) {
		return nil
	}
	return fields
}

// inBody reports whether a payload attribute travels in the request body.
func inBody(e *expr.HTTPEndpointExpr, nat *expr.NamedAttributeExpr) bool {
	if mappedAttr(e.Params, nat.Name) != nil || mappedAttr(e.Headers, nat.Name) != nil || mappedAttr(e.Cookies, nat.Name) != nil {
		return false
	}
	kind, _ := expr.SecurityAttribute(nat.Attribute)
	return kind == ""
}

// hasBody reports whether a unary request carries a JSON body: some payload
// attribute travels in neither the path, the query string, a header nor the
// credentials.
func hasBody(e *expr.HTTPEndpointExpr, payload *expr.AttributeExpr) bool {
	obj := expr.AsObject(payload.Type)
	if obj == nil {
		return e.Params.Len() == 0 && e.Headers.Len() == 0 && (e.Cookies == nil || e.Cookies.Len() == 0)
	}
	for _, nat := range *obj {
		if inBody(e, nat) {
			return true
		}
	}
	return false
}

// muxPattern turns a design path into a net/http.ServeMux pattern: Goa's
// catch-all "{*path}" becomes "{path...}".
func muxPattern(p string) string {
	for {
		i := strings.Index(p, "{*")
		if i < 0 {
			return p
		}
		j := strings.Index(p[i:], "}")
		if j < 0 {
			return p
		}
		p = p[:i] + "{" + p[i+2:i+j] + "...}" + p[i+j+1:]
	}
}

// buildParams lists the payload attributes read from the path, the query
// string and headers; credentials are left to buildSecurity.
func buildParams(m *methodData, e *expr.HTTPEndpointExpr, payload *expr.AttributeExpr) error {
	isObj := m.PayloadObj
	pathParams := e.PathParams()
	add := func(mapped *expr.MappedAttributeExpr, name string, att *expr.AttributeExpr, source string) error {
		if kind, _ := expr.SecurityAttribute(att); kind != "" {
			return nil
		}
		if isObj {
			if pa := payload.Find(name); pa != nil {
				att = pa
			}
		}
		p := &paramData{
			Name:     mapped.ElemName(name),
			AttrName: name,
			Source:   source,
			Required: payload.IsRequired(name) || mapped.IsRequired(name),
		}
		if isObj {
			p.Field = codegen.Goify(name, true)
		} else {
			p.Required = true
		}
		dt := att.Type
		if a := expr.AsArray(dt); a != nil {
			p.Slice = true
			dt = a.ElemType.Type
		}
		gt, ok := scalarType(dt)
		if !ok {
			return fmt.Errorf("parameter %q: type %s cannot travel in a %s", p.Name, dt.Name(), strings.TrimPrefix(source, "transport."))
		}
		p.GoType = gt
		if !p.Slice && isObj {
			if att.HasDefaultValue() {
				p.Default = codegen.GoLiteral(att.DefaultValue, dt, "")
			}
			p.Pointer = codegen.IsPointerField(payload, name)
		}
		m.Params = append(m.Params, p)
		if source == "transport.Path" {
			m.PathArgs = append(m.PathArgs, p)
		}
		return nil
	}
	for _, nat := range *e.Params.Object() {
		src := "transport.Query"
		if mappedAttr(pathParams, nat.Name) != nil {
			src = "transport.Path"
		}
		if err := add(e.Params, nat.Name, nat.Attribute, src); err != nil {
			return err
		}
	}
	for _, nat := range *e.Headers.Object() {
		if err := add(e.Headers, nat.Name, nat.Attribute, "transport.Header"); err != nil {
			return err
		}
	}
	for _, nat := range *e.Cookies.Object() {
		if err := add(e.Cookies, nat.Name, nat.Attribute, "transport.Cookie"); err != nil {
			return err
		}
	}
	// Path parameters first, in the order they appear in the path, then
	// query parameters, headers and cookies in design order.
	order := expr.ExtractWildcards(e.Routes[0].FullPath())
	rank := func(p *paramData) int {
		switch p.Source {
		case "transport.Path":
			return slices.Index(order, p.Name)
		case "transport.Query":
			return len(order)
		case "transport.Header":
			return len(order) + 1
		}
		return len(order) + 2
	}
	byRank := func(a, b *paramData) int { return rank(a) - rank(b) }
	slices.SortStableFunc(m.Params, byRank)
	slices.SortStableFunc(m.PathArgs, byRank)
	return nil
}

// buildSecurity finds the payload attributes carrying the credentials of the
// method's security schemes and where they travel.
func buildSecurity(m *methodData, e *expr.HTTPEndpointExpr, me *expr.MethodExpr) error {
	obj := expr.AsObject(me.Payload.Type)
	if obj == nil {
		return nil
	}
	field := func(kind, scheme string) (string, *expr.AttributeExpr) {
		for _, nat := range *obj {
			k, s := expr.SecurityAttribute(nat.Attribute)
			if k == kind && (scheme == "" || s == scheme) {
				return nat.Name, nat.Attribute
			}
		}
		return "", nil
	}
	seen := map[string]bool{}
	for _, req := range me.Requirements {
		for _, sch := range req.Schemes {
			if seen[sch.SchemeName] {
				continue
			}
			seen[sch.SchemeName] = true
			switch sch.Kind {
			case expr.BasicAuthKind:
				user, _ := field("username", "")
				pass, _ := field("password", "")
				if user == "" || pass == "" {
					return fmt.Errorf("basic auth scheme %q needs Username and Password attributes in the payload", sch.SchemeName)
				}
				m.Basic = &basicData{
					UserName: user, PasswordName: pass,
					User: codegen.Goify(user, true), Password: codegen.Goify(pass, true),
					Pointer: !me.Payload.IsRequired(user) || !me.Payload.IsRequired(pass),
				}
			case expr.JWTKind, expr.OAuth2Kind:
				kind := "token"
				if sch.Kind == expr.OAuth2Kind {
					kind = "accesstoken"
				}
				name, _ := field(kind, "")
				if name == "" && kind == "accesstoken" {
					name, _ = field("token", "")
				}
				if name == "" {
					return fmt.Errorf("%s scheme %q needs a Token attribute in the payload", sch.Kind, sch.SchemeName)
				}
				t := &tokenData{Name: name, Field: codegen.Goify(name, true), Pointer: !me.Payload.IsRequired(name), Header: "Authorization"}
				switch {
				case mappedAttr(e.Params, name) != nil:
					t.Query = e.Params.ElemName(name)
				case mappedAttr(e.Headers, name) != nil && !strings.EqualFold(e.Headers.ElemName(name), "Authorization"):
					// A token in its own header travels as is, like an API key.
					t.Header, t.APIKey = e.Headers.ElemName(name), true
				}
				if mappedAttr(e.Cookies, name) != nil {
					t.Cookie = e.Cookies.ElemName(name)
					t.CookieOnly = mappedAttr(e.Params, name) == nil && mappedAttr(e.Headers, name) == nil
				}
				m.Tokens = append(m.Tokens, t)
			case expr.APIKeyKind:
				name, _ := field("apikey", sch.SchemeName)
				if name == "" {
					return fmt.Errorf("API key scheme %q needs an APIKey attribute in the payload", sch.SchemeName)
				}
				t := &tokenData{Name: name, Field: codegen.Goify(name, true), Pointer: !me.Payload.IsRequired(name), APIKey: true}
				switch {
				case mappedAttr(e.Params, name) != nil:
					t.Query = e.Params.ElemName(name)
				case mappedAttr(e.Headers, name) != nil:
					t.Header = e.Headers.ElemName(name)
				case mappedAttr(e.Cookies, name) != nil:
					// Read from the cookie only, as the design says.
				case sch.In == "query":
					t.Query = sch.Name
				default:
					t.Header = sch.Name
					if t.Header == "" {
						t.Header = "Authorization"
					}
				}
				if mappedAttr(e.Cookies, name) != nil {
					t.Cookie = e.Cookies.ElemName(name)
					t.CookieOnly = t.Query == "" && t.Header == ""
				}
				m.Tokens = append(m.Tokens, t)
			}
		}
	}
	return nil
}

// buildResultCookies lists the result attributes the success response r
// sets as cookies, their attributes, and the result fields left in the body.
func buildResultCookies(m *methodData, r *expr.HTTPResponseExpr, result *expr.AttributeExpr, pkg string) error {
	if r.Cookies == nil || r.Cookies.Len() == 0 {
		return nil
	}
	obj := expr.AsObject(result.Type)
	for _, nat := range *r.Cookies.Object() {
		c := &cookieData{Name: r.Cookies.ElemName(nat.Name)}
		dt := result.Type
		if obj != nil {
			a := result.Find(nat.Name)
			if a == nil {
				return fmt.Errorf("response cookie %q: the result has no attribute %q", c.Name, nat.Name)
			}
			dt = a.Type
			c.Field = codegen.GoFieldName(nat.Name)
			c.Pointer = codegen.GoFieldRef(result, nat.Name, pkg)[0] == '*'
		}
		gt, ok := scalarType(dt)
		if !ok {
			return fmt.Errorf("response cookie %q: type %s cannot travel in a cookie", c.Name, dt.Name())
		}
		c.GoType = gt
		m.ResultCookies = append(m.ResultCookies, c)
	}
	a := r.CookieAttributes
	if a.MaxAge != nil {
		m.CookieAttributes = append(m.CookieAttributes, fmt.Sprintf("MaxAge: %d", *a.MaxAge))
	}
	if a.Path != "" {
		m.CookieAttributes = append(m.CookieAttributes, "Path: "+strconv.Quote(a.Path))
	}
	if a.Domain != "" {
		m.CookieAttributes = append(m.CookieAttributes, "Domain: "+strconv.Quote(a.Domain))
	}
	if a.Secure {
		m.CookieAttributes = append(m.CookieAttributes, "Secure: true")
	}
	if a.HTTPOnly {
		m.CookieAttributes = append(m.CookieAttributes, "HttpOnly: true")
	}
	switch a.SameSite {
	case "Strict":
		m.CookieAttributes = append(m.CookieAttributes, "SameSite: http.SameSiteStrictMode")
	case "Lax":
		m.CookieAttributes = append(m.CookieAttributes, "SameSite: http.SameSiteLaxMode")
	case "None":
		m.CookieAttributes = append(m.CookieAttributes, "SameSite: http.SameSiteNoneMode")
	}
	if obj != nil {
		for _, nat := range *obj {
			if r.Cookies.Find(nat.Name) != nil {
				continue
			}
			tag := nat.Name
			if !result.IsRequired(nat.Name) && !nat.Attribute.HasDefaultValue() {
				tag += ",omitempty"
			}
			m.ResultBodyFields = append(m.ResultBodyFields, &bodyField{
				Field: codegen.GoFieldName(nat.Name),
				Ref:   codegen.GoFieldRef(result, nat.Name, pkg),
				Tag:   tag,
			})
		}
	}
	m.NoResultBody = len(m.ResultBodyFields) == 0
	m.UnaryConfig = append(m.UnaryConfig, "ResponseEncoder: encode"+m.GoName+"Response")
	return nil
}

// wsConfig returns the ws.Config fields ("ReadLimit: 4096") of the
// settings of a WebSocket block that differ from the runtime's defaults, so
// that the Config given to ws.NewServer applies unless the design says
// otherwise.
func wsConfig(w *expr.WebSocketExpr) []string {
	if w == nil {
		return nil
	}
	var fields []string
	if w.ReadLimit != 0 && w.ReadLimit != expr.DefaultReadLimit {
		fields = append(fields, fmt.Sprintf("ReadLimit: %d", w.ReadLimit))
	}
	if (w.HeartbeatInterval != 0 && w.HeartbeatInterval != expr.DefaultHeartbeatInterval) ||
		(w.HeartbeatTimeout != 0 && w.HeartbeatTimeout != expr.DefaultHeartbeatTimeout) {
		fields = append(fields, "HeartbeatInterval: "+durationExpr(w.HeartbeatInterval), "HeartbeatTimeout: "+durationExpr(w.HeartbeatTimeout))
	}
	switch {
	case w.Resumable && len(w.Subprotocols) > 0:
		fields = append(fields, "Subprotocols: []string{"+quoteAll(append([]string{resumeSubprotocol}, w.Subprotocols...))+"}")
	case w.Resumable:
		fields = append(fields, "Subprotocols: []string{"+quoteAll([]string{resumeSubprotocol})+"}")
	case len(w.Subprotocols) > 0:
		fields = append(fields, "Subprotocols: []string{"+quoteAll(w.Subprotocols)+"}")
	}
	if (w.SendQueue != 0 && w.SendQueue != expr.DefaultSendQueue) || w.SlowConsumer == expr.SlowConsumerDropOldest {
		size := w.SendQueue
		if size == 0 {
			size = expr.DefaultSendQueue
		}
		policy := "ws.Disconnect"
		if w.SlowConsumer == expr.SlowConsumerDropOldest {
			policy = "ws.DropOldest"
		}
		fields = append(fields, fmt.Sprintf("SendQueue: %d", size), "SlowConsumer: "+policy)
	}
	if w.WriteDelay > 0 {
		fields = append(fields, "WriteDelay: "+durationExpr(w.WriteDelay))
	}
	if r := w.MessageRate; r != nil {
		fields = append(fields, "MessageRate: "+rateExpr(r.PerSecond), fmt.Sprintf("MessageBurst: %d", r.Burst))
	}
	if r := w.SubjectRate; r != nil {
		fields = append(fields, "SubjectMessageRate: "+rateExpr(r.PerSecond), fmt.Sprintf("SubjectMessageBurst: %d", r.Burst))
	}
	return fields
}

// rateExpr returns the Go literal of a rate a second.
func rateExpr(perSecond float64) string {
	return strconv.FormatFloat(perSecond, 'g', -1, 64)
}

// quoteAll returns the Go string literals of names, comma-separated.
func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}

// durationExpr writes d as a Go expression: "25 * time.Second".
func durationExpr(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d * time.Minute", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d * time.Second", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%d * time.Millisecond", d/time.Millisecond)
	}
	return fmt.Sprintf("time.Duration(%d)", int64(d))
}

// statusNames are the net/http constants generated code names statuses with.
var statusNames = map[int]string{
	200: "StatusOK", 201: "StatusCreated", 202: "StatusAccepted", 204: "StatusNoContent",
	400: "StatusBadRequest", 401: "StatusUnauthorized", 402: "StatusPaymentRequired", 403: "StatusForbidden",
	404: "StatusNotFound", 405: "StatusMethodNotAllowed", 406: "StatusNotAcceptable", 408: "StatusRequestTimeout",
	409: "StatusConflict", 410: "StatusGone", 412: "StatusPreconditionFailed", 413: "StatusRequestEntityTooLarge",
	415: "StatusUnsupportedMediaType", 422: "StatusUnprocessableEntity", 423: "StatusLocked", 426: "StatusUpgradeRequired",
	429: "StatusTooManyRequests", 500: "StatusInternalServerError", 501: "StatusNotImplemented", 502: "StatusBadGateway",
	503: "StatusServiceUnavailable", 504: "StatusGatewayTimeout",
}

// statusConst returns "http.StatusUnauthorized" for 401, the number for a
// status without a constant.
func statusConst(code int) string {
	if n, ok := statusNames[code]; ok && http.StatusText(code) != "" {
		return "http." + n
	}
	return strconv.Itoa(code)
}

// scalarType returns the Go type of a primitive that can travel in a path,
// query string or header.
func scalarType(dt expr.DataType) (string, bool) {
	p, ok := expr.Underlying(dt).(expr.Primitive)
	if !ok {
		return "", false
	}
	switch p {
	case expr.Boolean:
		return "bool", true
	case expr.Int:
		return "int", true
	case expr.Int32:
		return "int32", true
	case expr.Int64:
		return "int64", true
	case expr.UInt:
		return "uint", true
	case expr.UInt32:
		return "uint32", true
	case expr.UInt64:
		return "uint64", true
	case expr.Float32:
		return "float32", true
	case expr.Float64:
		return "float64", true
	case expr.String:
		return "string", true
	}
	return "", false
}

// qualify returns pkg.name, or "" when name is empty.
func qualify(pkg, name string) string {
	if name == "" {
		return ""
	}
	return pkg + "." + name
}

// buildGoaSSE reads Goa's ServerSentEvents of method me (validated: the
// attributes exist with the right types).
func buildGoaSSE(me *expr.MethodExpr, se *expr.SSEExpr, pkg string) *goaSSEData {
	d := &goaSSEData{}
	field := func(att *expr.AttributeExpr, name string) string {
		f := "v." + codegen.GoFieldName(name)
		if codegen.GoFieldRef(att, name, pkg)[0] == '*' {
			f = "transport.Deref(" + f + ")"
		}
		return f
	}
	if n := se.ID.Name; n != "" {
		d.Fields = append(d.Fields, "ID: "+field(me.Result, n))
	}
	if n := se.Type.Name; n != "" {
		d.Fields = append(d.Fields, "Type: "+field(me.Result, n))
	}
	if n := se.Retry.Name; n != "" {
		d.Fields = append(d.Fields, "Retry: int64("+field(me.Result, n)+")")
	}
	if n := se.Data.Name; n != "" {
		data := "v." + codegen.GoFieldName(n)
		if a := me.Result.Find(n); a != nil && a.Type == expr.String {
			data = field(me.Result, n) // a string is sent raw, nil as ""
		}
		d.Fields = append(d.Fields, "Data: "+data, "HasData: true")
		set := func(name, value string) {
			f := "v." + codegen.GoFieldName(name)
			if codegen.GoFieldRef(me.Result, name, pkg)[0] == '*' {
				d.Build = append(d.Build, "{ s := "+value+"; "+f+" = &s }")
				return
			}
			d.Build = append(d.Build, f+" = "+value)
		}
		if a := me.Result.Find(se.ID.Name); a != nil && se.ID.Name != "" {
			set(se.ID.Name, "ev.ID")
		}
		if a := me.Result.Find(se.Type.Name); a != nil && se.Type.Name != "" {
			set(se.Type.Name, "ev.Type")
		}
		if a := me.Result.Find(n); a != nil && a.Type == expr.String {
			set(n, "string(ev.Data)")
		} else {
			d.Build = append(d.Build, "if err := transport.EventData(ev.Data, &v."+codegen.GoFieldName(n)+"); err != nil { return err }")
		}
	}
	if n := se.RequestID.Name; n != "" {
		d.RequestID = codegen.GoFieldName(n)
		d.RequestIDPtr = codegen.GoFieldRef(me.Payload, n, pkg)[0] == '*'
	}
	return d
}
