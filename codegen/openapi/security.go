package openapi

import (
	"fmt"
	"strings"

	"duplex.dev/expr"
)

// credential is where one endpoint carries the credential of one security
// scheme. The same design scheme may travel in several places (a JWT in the
// Authorization header of unary methods and in the "token" query parameter
// of streams, since browsers cannot set headers on an upgrade); each place
// is a scheme of its own in the documents.
type credential struct {
	key    string // name under components/securitySchemes
	scheme *expr.SchemeExpr
	in     string // "header", "query" or "cookie"
	name   string // header, query parameter or cookie name
	attr   string // payload attribute carrying the credential, "" for basic auth
}

// bearer reports whether the credential is the standard
// "Authorization: Bearer" header of a JWT or OAuth2 scheme.
func (c *credential) bearer() bool {
	return (c.scheme.Kind == expr.JWTKind || c.scheme.Kind == expr.OAuth2Kind) &&
		c.in == "header" && strings.EqualFold(c.name, "Authorization")
}

// credentials collects the credentials of every endpoint, in order.
type credentials struct {
	list  []*credential
	byKey map[string]*credential
}

func newCredentials() *credentials { return &credentials{byKey: map[string]*credential{}} }

// of returns the credentials of the endpoint's security requirements: one
// slice per requirement (the request must satisfy all schemes of one of
// them).
func (cs *credentials) of(e *expr.HTTPEndpointExpr) [][]*credential {
	var reqs [][]*credential
	for _, r := range e.MethodExpr.Requirements {
		var req, alt []*credential
		cookie := false
		for _, sc := range r.Schemes {
			if sc.Kind == expr.NoKind {
				continue
			}
			c := cs.locate(e, sc, false)
			req = append(req, c)
			// A credential mapped with Cookie as well as Param or Header
			// may travel in either: the cookie is another requirement.
			if c.in != "cookie" && c.attr != "" && e.Cookies != nil && e.Cookies.Find(c.attr) != nil {
				c, cookie = cs.locate(e, sc, true), true
			}
			alt = append(alt, c)
		}
		if len(req) > 0 {
			reqs = append(reqs, req)
		}
		if cookie {
			reqs = append(reqs, alt)
		}
	}
	return reqs
}

// locate finds where e carries the credential of sc (in its cookie when
// cookie is true) and returns the shared credential for that place.
func (cs *credentials) locate(e *expr.HTTPEndpointExpr, sc *expr.SchemeExpr, cookie bool) *credential {
	c := &credential{scheme: sc, in: "header", name: "Authorization"}
	if sc.Kind != expr.BasicAuthKind {
		if o := expr.AsObject(e.MethodExpr.Payload.Type); o != nil {
			for _, na := range *o {
				kind, scheme := expr.SecurityAttribute(na.Attribute)
				if !carries(sc, kind, scheme) {
					continue
				}
				c.attr = na.Name
				switch {
				case cookie:
					c.in, c.name = "cookie", e.Cookies.ElemName(na.Name)
				case e.Params != nil && e.Params.Find(na.Name) != nil:
					c.in, c.name = "query", e.Params.ElemName(na.Name)
				case e.Headers != nil && e.Headers.Find(na.Name) != nil:
					c.in, c.name = "header", e.Headers.ElemName(na.Name)
				case e.Cookies != nil && e.Cookies.Find(na.Name) != nil:
					c.in, c.name = "cookie", e.Cookies.ElemName(na.Name)
				}
				break
			}
		}
	}
	for _, known := range cs.list {
		if known.scheme == sc && known.in == c.in && known.name == c.name {
			return known
		}
	}
	c.key = sc.SchemeName
	if _, taken := cs.byKey[c.key]; taken || (sc.Kind != expr.APIKeyKind && sc.Kind != expr.BasicAuthKind && !c.bearer()) {
		c.key = fmt.Sprintf("%s_%s", sc.SchemeName, c.in)
		if _, taken := cs.byKey[c.key]; taken {
			c.key = fmt.Sprintf("%s_%s_%s", sc.SchemeName, c.in, c.name)
		}
	}
	cs.list = append(cs.list, c)
	cs.byKey[c.key] = c
	return c
}

func carries(sc *expr.SchemeExpr, kind, scheme string) bool {
	switch sc.Kind {
	case expr.JWTKind:
		return kind == "token"
	case expr.OAuth2Kind:
		return kind == "accesstoken"
	case expr.APIKeyKind:
		return kind == "apikey" && scheme == sc.SchemeName
	}
	return false
}

// description returns the scheme's description followed by its scopes.
func (c *credential) description() string {
	d := c.scheme.Description
	switch {
	case c.scheme.Kind == expr.JWTKind && c.in == "cookie":
		d = strings.TrimSpace(d + fmt.Sprintf(" The JWT travels in the %q cookie.", c.name))
	case c.scheme.Kind == expr.JWTKind && !c.bearer():
		d = strings.TrimSpace(d + fmt.Sprintf(" The JWT travels in the %q %s parameter.", c.name, c.in))
	}
	if len(c.scheme.Scopes) > 0 && c.scheme.Kind != expr.OAuth2Kind {
		var b strings.Builder
		b.WriteString(d)
		if d != "" {
			b.WriteString(" ")
		}
		b.WriteString("Scopes:")
		for i, s := range c.scheme.Scopes {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s", s.Name)
			if s.Description != "" {
				fmt.Fprintf(&b, " (%s)", s.Description)
			}
		}
		b.WriteString(".")
		d = b.String()
	}
	return d
}

// flows returns the OAuth2 flows; availableScopes names the scopes key
// ("scopes" in OpenAPI, "availableScopes" in AsyncAPI 3).
func (c *credential) flows(scopesKey string) *object {
	scopes := obj()
	for _, s := range c.scheme.Scopes {
		scopes.put(s.Name, s.Description)
	}
	fl := obj()
	for _, f := range c.scheme.Flows {
		o := obj()
		var name string
		switch f.Kind {
		case expr.AuthorizationCodeFlowKind:
			name = "authorizationCode"
			o.set("authorizationUrl", f.AuthorizationURL).set("tokenUrl", f.TokenURL)
		case expr.ImplicitFlowKind:
			name = "implicit"
			o.set("authorizationUrl", f.AuthorizationURL)
		case expr.PasswordFlowKind:
			name = "password"
			o.set("tokenUrl", f.TokenURL)
		case expr.ClientCredentialsFlowKind:
			name = "clientCredentials"
			o.set("tokenUrl", f.TokenURL)
		}
		o.set("refreshUrl", f.RefreshURL)
		o.put(scopesKey, scopes)
		fl.set(name, o)
	}
	return fl
}

// scopeList returns the scopes of the requirement that lists c's scheme.
func scopeList(e *expr.HTTPEndpointExpr, sc *expr.SchemeExpr) []any {
	out := []any{}
	for _, r := range e.MethodExpr.Requirements {
		for _, s := range r.Schemes {
			if s == sc {
				for _, scope := range r.Scopes {
					out = append(out, scope)
				}
			}
		}
	}
	return out
}

// schemeObject is c's security scheme object: OpenAPI and AsyncAPI write the
// same one, except the key of an OAuth2 flow's scopes (scopesKey) and the
// type of an API key (apiKeyType).
func (c *credential) schemeObject(scopesKey, apiKeyType string) *object {
	switch {
	case c.scheme.Kind == expr.BasicAuthKind:
		return obj("type", "http", "scheme", "basic", "description", c.description())
	case c.scheme.Kind == expr.JWTKind && c.bearer():
		return obj("type", "http", "scheme", "bearer", "bearerFormat", "JWT", "description", c.description())
	case c.scheme.Kind == expr.OAuth2Kind && c.bearer():
		return obj("type", "oauth2", "description", c.description(), "flows", c.flows(scopesKey))
	}
	return obj("type", apiKeyType, "in", c.in, "name", c.name, "description", c.description())
}
