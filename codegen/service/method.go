package service

import (
	"fmt"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// method builds the data of one method: its signature, stream interfaces,
// authorization code and the types it uses.
func (b *builder) method(m *expr.MethodExpr) (*methodData, error) {
	md := &methodData{
		Name:        m.Name,
		GoName:      codegen.Goify(m.Name, true),
		VarName:     codegen.Goify(m.Name, false),
		Field:       EndpointField(m),
		Description: m.Description,
		Streaming:   m.IsStreaming(),
	}
	pt := b.methodType(m, m.Payload, "Payload")
	rt := b.methodType(m, m.Result, "Result")
	spt := b.methodType(m, m.StreamingPayload, "StreamingPayload")
	md.PayloadRef = typeRef(pt)
	resRef, spRef := typeRef(rt), typeRef(spt)
	b.validator(m, pt, m.Payload, "Payload")
	b.validator(m, spt, m.StreamingPayload, "StreamingPayload")

	// Result views: a result type with several views and no view chosen by
	// the method lets the implementation pick the view.
	var setView bool
	if rte, ok := resultType(m); ok && len(rte.Views) > 0 {
		b.viewedType(rte)
		md.ResultView = ResultView(m)
		for _, v := range rte.Views {
			md.Views = append(md.Views, v.Name)
		}
		if !md.Streaming {
			md.ViewedNew = ViewedFuncName(m)
			md.ViewParam = ImplementationChoosesView(m)
		} else {
			setView = ImplementationChoosesView(m) && m.IsResultStreaming()
		}
	}
	if !md.Streaming {
		md.ResultRef = resRef
	} else {
		md.ServerStream, md.ClientStream = streams(m, md.GoName, resRef, spRef, setView)
	}

	for _, e := range methodErrors(m) {
		line := fmt.Sprintf("%q (type *duplex.ServiceError)", e.Name)
		if e.AttributeExpr != nil && e.Type != nil && e.Type != expr.ErrorResult {
			name := codegen.Goify(e.Name, true)
			if ut, ok := e.Type.(expr.UserType); ok {
				name = codegen.GoTypeName(ut)
				if codegen.IsStruct(ut) {
					name = "*" + name
				}
			}
			line = fmt.Sprintf("%q (type %s)", e.Name, name)
		}
		md.Errors = append(md.Errors, line)
	}
	if len(md.Errors) > 0 {
		md.Errors = append(md.Errors, "error: internal error")
	}
	b.auth(m, md)
	return md, nil
}

// methodErrors returns the errors of a method followed by those of its
// service it does not override.
func methodErrors(m *expr.MethodExpr) []*expr.ErrorExpr {
	errs := append([]*expr.ErrorExpr(nil), m.Errors...)
	if m.Service != nil {
		for _, e := range m.Service.Errors {
			if m.Error(e.Name) == nil {
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// resultType returns the result type of a method, if its result is one.
func resultType(m *expr.MethodExpr) (*expr.ResultTypeExpr, bool) {
	if m.Result == nil {
		return nil, false
	}
	rt, ok := m.Result.Type.(*expr.ResultTypeExpr)
	return rt, ok
}

// typeRef returns the Go type of a method value in its service package, ""
// for none.
func typeRef(dt expr.DataType) string {
	if dt == nil {
		return ""
	}
	return codegen.GoTypeRef(dt, "")
}

// validator adds the validation function of a method value that is not a
// struct but has validations: Validate<Method><suffix>(v T) error. Struct
// values are validated by the Validate function of their type.
func (b *builder) validator(m *expr.MethodExpr, dt expr.DataType, att *expr.AttributeExpr, suffix string) {
	if dt == nil || codegen.IsStruct(dt) {
		return
	}
	v := &validator{}
	v.value(att, "v", "payload", codegen.MethodTypeName(m, suffix))
	b.data.Validators = append(b.data.Validators, &validatorData{
		Name: ValidateFuncName(m, att, suffix),
		Ref:  typeRef(dt),
		Body: strings.TrimSuffix(v.String(), "\n"),
	})
}

// streams returns the server and client stream interfaces of a streaming
// method, with Goa's methods: see the table in DESIGN.md.
func streams(m *expr.MethodExpr, goName, resRef, spRef string, setView bool) (*streamData, *streamData) {
	srv := &streamData{Name: goName + "ServerStream"}
	cli := &streamData{Name: goName + "ClientStream"}
	add := func(s *streamData, doc, sig string) {
		s.Methods = append(s.Methods, &streamMethodData{Doc: codegen.Comment(doc), Sig: sig})
		switch name, _, _ := strings.Cut(sig, "("); name {
		case "Send", "SendAndClose":
			s.SendName, s.SendRef = name, strings.TrimSuffix(strings.TrimPrefix(sig, name+"("), ") error")
		case "Recv", "CloseAndRecv":
			s.RecvName, s.RecvRef = name, strings.TrimSuffix(strings.TrimPrefix(sig, name+"() ("), ", error)")
		case "Close":
			s.Close = true
		case "SetView":
			s.SetView = true
		}
	}
	withCtx := func(s *streamData, name, doc, args, results string) {
		sep := ""
		if args != "" {
			sep = ", "
		}
		add(s, doc, name+"("+args+") "+results)
		add(s, name+"WithContext is "+name+" that gives up when ctx ends.", name+"WithContext(context.Context"+sep+args+") "+results)
	}
	switch m.Stream {
	case expr.ServerStreamKind:
		srv.Doc = fmt.Sprintf("%s is the stream the %q method sends its results on.", srv.Name, m.Name)
		cli.Doc = fmt.Sprintf("%s is the stream the client of the %q method receives results on.", cli.Name, m.Name)
		withCtx(srv, "Send", "Send sends one result to the client.", resRef, "error")
		add(srv, "Close ends the stream.", "Close() error")
		withCtx(cli, "Recv", "Recv returns the next result; io.EOF once the server ended the stream.", "", "("+resRef+", error)")
	case expr.ClientStreamKind:
		srv.Doc = fmt.Sprintf("%s is the stream the %q method receives the client's messages on.", srv.Name, m.Name)
		cli.Doc = fmt.Sprintf("%s is the stream the client of the %q method sends its messages on.", cli.Name, m.Name)
		if resRef != "" {
			withCtx(srv, "SendAndClose", "SendAndClose sends the result and ends the stream.", resRef, "error")
		}
		withCtx(srv, "Recv", "Recv returns the next message of the client; io.EOF once the client ended its stream.", "", "("+spRef+", error)")
		if resRef == "" {
			add(srv, "Close ends the stream.", "Close() error")
		}
		withCtx(cli, "Send", "Send sends one message to the server.", spRef, "error")
		if resRef != "" {
			withCtx(cli, "CloseAndRecv", "CloseAndRecv ends the client's stream and returns the server's result.", "", "("+resRef+", error)")
		} else {
			add(cli, "Close ends the stream.", "Close() error")
		}
	case expr.BidirectionalStreamKind:
		srv.Doc = fmt.Sprintf("%s is the stream the %q method exchanges messages with its client on.", srv.Name, m.Name)
		cli.Doc = fmt.Sprintf("%s is the stream the client of the %q method exchanges messages with the server on.", cli.Name, m.Name)
		withCtx(srv, "Send", "Send sends one result to the client.", resRef, "error")
		withCtx(srv, "Recv", "Recv returns the next message of the client; io.EOF once the client ended its stream.", "", "("+spRef+", error)")
		add(srv, "Close ends the stream.", "Close() error")
		withCtx(cli, "Send", "Send sends one message to the server.", spRef, "error")
		withCtx(cli, "Recv", "Recv returns the next result; io.EOF once the server ended the stream.", "", "("+resRef+", error)")
		add(cli, "Close ends the stream.", "Close() error")
	}
	if setView {
		add(srv, "SetView sets the view results are rendered with; call it before the first Send.", "SetView(view string)")
	}
	srv.Doc = codegen.Comment(srv.Doc)
	cli.Doc = codegen.Comment(cli.Doc)
	return srv, cli
}

// authKinds maps scheme kinds to the name Goa uses in Auther methods,
// security types and endpoint parameters.
var authKinds = map[expr.SchemeKind]struct{ kind, params, cred string }{
	expr.BasicAuthKind: {"Basic", "user, pass string", ""},
	expr.JWTKind:       {"JWT", "token string", expr.SecurityTokenMeta},
	expr.APIKeyKind:    {"APIKey", "key string", ""},
	expr.OAuth2Kind:    {"OAuth2", "token string", expr.SecurityAccessTokenMeta},
}

// auth fills the authorization parameters and code of a secured method:
// requirements are alternatives tried in order, the schemes of one
// requirement must all accept the request, as in Goa.
func (b *builder) auth(m *expr.MethodExpr, md *methodData) {
	var reqs []*expr.SecurityExpr
	for _, r := range m.Requirements {
		if r == nil || len(r.Schemes) == 0 {
			continue
		}
		for _, s := range r.Schemes {
			if s.Kind == expr.NoKind {
				return // NoSecurity
			}
		}
		reqs = append(reqs, r)
	}
	if len(reqs) == 0 {
		return
	}
	payload := "p"
	if md.Streaming {
		payload = "ep.Payload"
	}
	var pre, code strings.Builder
	pre.WriteString("var err error\n")
	declared := map[string]bool{}
	n := 0
	for i, r := range reqs {
		if i > 0 {
			code.WriteString("if err != nil {\n")
		}
		for j, s := range r.Schemes {
			ak, ok := authKinds[s.Kind]
			if !ok {
				continue
			}
			if !b.authSet[ak.kind] {
				b.authSet[ak.kind] = true
				b.data.Auths = append(b.data.Auths, &authFuncData{Kind: ak.kind, Params: ak.params})
			}
			fn := "auth" + ak.kind + "Fn"
			if !declared[fn] {
				declared[fn] = true
				md.AuthParams = append(md.AuthParams, &authParamData{Name: fn, Kind: ak.kind})
			}
			sc := "sc"
			if len(reqs) > 1 || len(r.Schemes) > 1 {
				sc = fmt.Sprintf("sc%d", n)
			}
			n++
			fmt.Fprintf(&pre, "%s := security.%sScheme{\nName: %q,\nScopes: %s,\nRequiredScopes: %s,\n%s}\n",
				sc, ak.kind, s.SchemeName, stringSlice(scopeNames(s)), stringSlice(r.Scopes), flows(s))
			var args []string
			switch s.Kind {
			case expr.BasicAuthKind:
				args = []string{
					b.credential(&pre, m, payload, declared, expr.SecurityUsernameMeta, "user"),
					b.credential(&pre, m, payload, declared, expr.SecurityPasswordMeta, "pass"),
				}
			case expr.APIKeyKind:
				args = []string{b.credential(&pre, m, payload, declared, expr.SecurityAPIKeyMetaPrefix+s.SchemeName, "key")}
			default:
				args = []string{b.credential(&pre, m, payload, declared, ak.cred, "token")}
			}
			call := fmt.Sprintf("ctx, err = %s(ctx, %s, &%s)\n", fn, strings.Join(args, ", "), sc)
			if j > 0 {
				call = "if err == nil {\n" + call + "}\n"
			}
			code.WriteString(call)
		}
		if i > 0 {
			code.WriteString("}\n")
		}
	}
	code.WriteString("if err != nil {\nreturn nil, security.Unauthenticated(err)\n}")
	md.AuthCode = pre.String() + code.String()
}

// credential returns the expression of the payload attribute tagged with
// meta, declaring a local variable in pre when the field is a pointer; "" is
// passed when the payload has no such attribute.
func (b *builder) credential(pre *strings.Builder, m *expr.MethodExpr, payload string, declared map[string]bool, meta, local string) string {
	if m.Payload == nil {
		return `""`
	}
	obj := expr.AsObject(m.Payload.Type)
	if obj == nil {
		return `""`
	}
	for _, nat := range *obj {
		if _, ok := nat.Attribute.Meta[meta]; !ok {
			continue
		}
		field := payload + "." + codegen.GoFieldName(nat.Name)
		if !codegen.IsPointerField(m.Payload, nat.Name) {
			return field
		}
		name := codegen.Goify(nat.Name, false)
		if !declared[name] {
			declared[name] = true
			fmt.Fprintf(pre, "var %s string\nif %s != nil {\n%s = *%s\n}\n", name, field, name, field)
		}
		return name
	}
	return `""`
}

// flows returns the Flows field of an OAuth2 scheme literal.
func flows(s *expr.SchemeExpr) string {
	if s.Kind != expr.OAuth2Kind || len(s.Flows) == 0 {
		return ""
	}
	names := map[expr.FlowKind]string{
		expr.AuthorizationCodeFlowKind: "authorization_code",
		expr.ImplicitFlowKind:          "implicit",
		expr.PasswordFlowKind:          "password",
		expr.ClientCredentialsFlowKind: "client_credentials",
	}
	var b strings.Builder
	b.WriteString("Flows: []*security.OAuthFlow{\n")
	for _, f := range s.Flows {
		fmt.Fprintf(&b, "{Type: %q, AuthorizationURL: %q, TokenURL: %q, RefreshURL: %q},\n", names[f.Kind], f.AuthorizationURL, f.TokenURL, f.RefreshURL)
	}
	b.WriteString("},\n")
	return b.String()
}

func scopeNames(s *expr.SchemeExpr) []string {
	names := make([]string, len(s.Scopes))
	for i, sc := range s.Scopes {
		names[i] = sc.Name
	}
	return names
}

func stringSlice(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}
