package dsl

import (
	"fmt"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// BasicAuthSecurity declares a basic authentication scheme: the payload of
// methods using it carries Username and Password attributes (sent in the
// Authorization header). It must appear at the top level.
func BasicAuthSecurity(name string, fn ...func()) *expr.SchemeExpr {
	return scheme("BasicAuthSecurity", expr.BasicAuthKind, name, fn)
}

// APIKeySecurity declares an API key scheme: the payload of methods using
// it carries an APIKey attribute (by default in the Authorization header;
// map it with Param or Header). It must appear at the top level.
func APIKeySecurity(name string, fn ...func()) *expr.SchemeExpr {
	return scheme("APIKeySecurity", expr.APIKeyKind, name, fn)
}

// JWTSecurity declares a JWT scheme: the payload of methods using it
// carries a Token attribute (by default in the Authorization header as
// "Bearer <token>"; for WebSocket upgrades from browsers map it with
// Param("token")). It must appear at the top level.
func JWTSecurity(name string, fn ...func()) *expr.SchemeExpr {
	return scheme("JWTSecurity", expr.JWTKind, name, fn)
}

// OAuth2Security declares an OAuth2 scheme with its flows: the payload of
// methods using it carries an AccessToken attribute. It must appear at the
// top level.
func OAuth2Security(name string, fn ...func()) *expr.SchemeExpr {
	return scheme("OAuth2Security", expr.OAuth2Kind, name, fn)
}

func scheme(fnName string, kind expr.SchemeKind, name string, fn []func()) *expr.SchemeExpr {
	s := &expr.SchemeExpr{Kind: kind, SchemeName: name, In: "header", Name: "Authorization", Pos: eval.Caller()}
	if !atTopLevel(fnName) {
		return s
	}
	if len(fn) > 1 {
		eval.ReportError("%s accepts at most one DSL function", fnName)
	}
	if prev := expr.Root.Scheme(name); prev != nil {
		eval.ReportError("security scheme %q is defined twice (first at %s): rename one", name, prev.Pos)
		return s
	}
	expr.Root.Schemes = append(expr.Root.Schemes, s)
	if len(fn) > 0 {
		eval.Execute(fn[0], s)
	}
	return s
}

// Security requires the listed schemes (values or names) on every method of
// the API, the service, or one method; the last argument may be a func()
// listing the required scopes with Scope.
func Security(args ...any) {
	var fn func()
	if len(args) > 0 {
		if f, ok := args[len(args)-1].(func()); ok {
			fn = f
			args = args[:len(args)-1]
		}
	}
	if len(args) == 0 {
		eval.ReportError("Security needs at least one security scheme")
		return
	}
	sec := &expr.SecurityExpr{Pos: eval.Caller()}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			s := expr.Root.Scheme(v)
			if s == nil {
				eval.ReportError("security scheme %q not found: declare it with BasicAuthSecurity, APIKeySecurity, JWTSecurity or OAuth2Security", v)
				return
			}
			sec.Schemes = append(sec.Schemes, s)
		case *expr.SchemeExpr:
			if v == nil {
				eval.ReportError("Security: the scheme is nil (is it declared after its use in a package variable?)")
				return
			}
			sec.Schemes = append(sec.Schemes, v)
		default:
			eval.ReportError("Security: invalid argument %#v: use a security scheme or its name", a)
			return
		}
	}
	if fn != nil && !eval.Execute(fn, sec) {
		return
	}
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		e.Requirements = append(e.Requirements, sec)
	case *expr.ServiceExpr:
		e.Requirements = append(e.Requirements, sec)
	case *expr.MethodExpr:
		e.Requirements = append(e.Requirements, sec)
	default:
		incompatible("Security", "API, a Service or a Method")
	}
}

// NoSecurity removes the security requirements inherited from the service
// and the API from the method (or from every method of the service).
func NoSecurity() {
	sec := &expr.SecurityExpr{Schemes: []*expr.SchemeExpr{{Kind: expr.NoKind}}, Pos: eval.Caller()}
	switch e := eval.Current().(type) {
	case *expr.ServiceExpr:
		e.Requirements = append(e.Requirements, sec)
	case *expr.MethodExpr:
		e.Requirements = append(e.Requirements, sec)
	default:
		incompatible("NoSecurity", "a Service or a Method")
	}
}

// Scope declares a scope of a security scheme, or requires one in a
// Security block.
func Scope(name string, desc ...string) {
	switch e := eval.Current().(type) {
	case *expr.SchemeExpr:
		sc := &expr.ScopeExpr{Name: name}
		if len(desc) > 0 {
			sc.Description = desc[0]
		}
		e.Scopes = append(e.Scopes, sc)
	case *expr.SecurityExpr:
		e.Scopes = append(e.Scopes, name)
	default:
		incompatible("Scope", "a security scheme or a Security block")
	}
}

// securityAttribute defines an attribute and tags it with meta.
func securityAttribute(meta, name string, args ...any) {
	parent := currentAttribute()
	if parent == nil {
		incompatible(metaFunc(meta), "a Payload, Type or Attribute")
		return
	}
	Attribute(name, args...)
	if att := parent.Find(name); att != nil {
		if att.Meta == nil {
			att.Meta = expr.MetaExpr{}
		}
		att.Meta[meta] = nil
	}
}

func metaFunc(meta string) string {
	switch meta {
	case expr.SecurityUsernameMeta:
		return "Username"
	case expr.SecurityPasswordMeta:
		return "Password"
	case expr.SecurityTokenMeta:
		return "Token"
	case expr.SecurityAccessTokenMeta:
		return "AccessToken"
	}
	return "APIKey"
}

// fieldArgs appends the rpc:tag meta of the *Field variants to args.
func fieldArgs(tag any, args []any) []any {
	fn := func() { Meta("rpc:tag", fmt.Sprintf("%v", tag)) }
	if len(args) > 0 {
		if d, ok := args[len(args)-1].(func()); ok {
			old := fn
			fn = func() { d(); old() }
			args = args[:len(args)-1]
		}
	}
	return append(args, fn)
}

// Username defines the payload attribute holding the basic auth user name;
// arguments are those of Attribute.
func Username(name string, args ...any) {
	securityAttribute(expr.SecurityUsernameMeta, name, args...)
}

// UsernameField is Username with a field tag.
func UsernameField(tag any, name string, args ...any) {
	securityAttribute(expr.SecurityUsernameMeta, name, fieldArgs(tag, args)...)
}

// Password defines the payload attribute holding the basic auth password.
func Password(name string, args ...any) {
	securityAttribute(expr.SecurityPasswordMeta, name, args...)
}

// PasswordField is Password with a field tag.
func PasswordField(tag any, name string, args ...any) {
	securityAttribute(expr.SecurityPasswordMeta, name, fieldArgs(tag, args)...)
}

// Token defines the payload attribute holding the JWT.
func Token(name string, args ...any) {
	securityAttribute(expr.SecurityTokenMeta, name, args...)
}

// TokenField is Token with a field tag.
func TokenField(tag any, name string, args ...any) {
	securityAttribute(expr.SecurityTokenMeta, name, fieldArgs(tag, args)...)
}

// AccessToken defines the payload attribute holding the OAuth2 access token.
func AccessToken(name string, args ...any) {
	securityAttribute(expr.SecurityAccessTokenMeta, name, args...)
}

// AccessTokenField is AccessToken with a field tag.
func AccessTokenField(tag any, name string, args ...any) {
	securityAttribute(expr.SecurityAccessTokenMeta, name, fieldArgs(tag, args)...)
}

// APIKey defines the payload attribute holding the key of the API key
// scheme named scheme.
func APIKey(scheme, name string, args ...any) {
	securityAttribute(expr.SecurityAPIKeyMetaPrefix+scheme, name, args...)
}

// APIKeyField is APIKey with a field tag.
func APIKeyField(tag any, scheme, name string, args ...any) {
	securityAttribute(expr.SecurityAPIKeyMetaPrefix+scheme, name, fieldArgs(tag, args)...)
}

// AuthorizationCodeFlow adds an authorization code flow to an OAuth2 scheme.
func AuthorizationCodeFlow(authorizationURL, tokenURL, refreshURL string) {
	flow(expr.AuthorizationCodeFlowKind, authorizationURL, tokenURL, refreshURL)
}

// ImplicitFlow adds an implicit flow to an OAuth2 scheme.
func ImplicitFlow(authorizationURL, refreshURL string) {
	flow(expr.ImplicitFlowKind, authorizationURL, "", refreshURL)
}

// PasswordFlow adds a resource owner password flow to an OAuth2 scheme.
func PasswordFlow(tokenURL, refreshURL string) {
	flow(expr.PasswordFlowKind, "", tokenURL, refreshURL)
}

// ClientCredentialsFlow adds a client credentials flow to an OAuth2 scheme.
func ClientCredentialsFlow(tokenURL, refreshURL string) {
	flow(expr.ClientCredentialsFlowKind, "", tokenURL, refreshURL)
}

func flow(kind expr.FlowKind, authURL, tokenURL, refreshURL string) {
	s, ok := eval.Current().(*expr.SchemeExpr)
	if !ok || s.Kind != expr.OAuth2Kind {
		incompatible("OAuth2 flows", "OAuth2Security")
		return
	}
	s.Flows = append(s.Flows, &expr.FlowExpr{Kind: kind, AuthorizationURL: authURL, TokenURL: tokenURL, RefreshURL: refreshURL})
}
