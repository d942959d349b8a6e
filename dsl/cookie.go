package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// Cookie maps a payload attribute to a request cookie, in the HTTP block of
// a method, or a result attribute to a cookie the response sets, in a
// Response of a unary method: Cookie("session:SID") (attribute session,
// cookie SID), with optional type, description and DSL function like
// Attribute.
//
// A credential (Token, APIKey) mapped with Cookie is read from the cookie,
// which is how a browser authenticates a WebSocket upgrade: it cannot set
// headers on it, and it sends its cookies by itself. Mapped with Param or
// Header as well, the credential is read from the query or header first,
// then from the cookie, so non-browser clients keep working.
//
//	Method("login", func() {
//		Result(Session)
//		HTTP(func() {
//			POST("/login")
//			Response(StatusOK, func() {
//				Cookie("token:session")
//				CookieHTTPOnly()
//				CookieSameSite(CookieSameSiteStrict)
//			})
//		})
//	})
func Cookie(name string, args ...any) {
	var m *expr.MappedAttributeExpr
	switch e := eval.Current().(type) {
	case *expr.HTTPEndpointExpr:
		if e.Cookies == nil {
			e.Cookies = expr.NewMappedAttributeExpr()
		}
		m = e.Cookies
	case *expr.HTTPResponseExpr:
		if e.Cookies == nil {
			e.Cookies = expr.NewMappedAttributeExpr()
		}
		m = e.Cookies
	default:
		incompatible("Cookie", "the HTTP block of a Method or a Response")
		return
	}
	mapElem(m, "Cookie", name, args...)
}

// The values of CookieSameSite.
const (
	CookieSameSiteStrict  = "Strict"
	CookieSameSiteLax     = "Lax"
	CookieSameSiteNone    = "None"
	CookieSameSiteDefault = ""
)

// cookieResponse returns the response whose cookie attribute fn sets.
func cookieResponse(fn string) *expr.HTTPResponseExpr {
	r, ok := eval.Current().(*expr.HTTPResponseExpr)
	if !ok {
		incompatible(fn, "a Response")
	}
	return r
}

// CookieMaxAge sets the Max-Age, in seconds, of the cookies of a Response.
func CookieMaxAge(n int) {
	if r := cookieResponse("CookieMaxAge"); r != nil {
		r.CookieAttributes.MaxAge = &n
	}
}

// CookieDomain sets the Domain of the cookies of a Response.
func CookieDomain(d string) {
	if r := cookieResponse("CookieDomain"); r != nil {
		r.CookieAttributes.Domain = d
	}
}

// CookiePath sets the Path of the cookies of a Response.
func CookiePath(p string) {
	if r := cookieResponse("CookiePath"); r != nil {
		r.CookieAttributes.Path = p
	}
}

// CookieSecure marks the cookies of a Response Secure: browsers send them
// over HTTPS only.
func CookieSecure() {
	if r := cookieResponse("CookieSecure"); r != nil {
		r.CookieAttributes.Secure = true
	}
}

// CookieHTTPOnly marks the cookies of a Response HttpOnly: scripts in the
// page cannot read them, the browser still sends them.
func CookieHTTPOnly() {
	if r := cookieResponse("CookieHTTPOnly"); r != nil {
		r.CookieAttributes.HTTPOnly = true
	}
}

// CookieSameSite sets the SameSite attribute of the cookies of a Response:
// CookieSameSiteStrict, CookieSameSiteLax, CookieSameSiteNone or
// CookieSameSiteDefault.
func CookieSameSite(s string) {
	r := cookieResponse("CookieSameSite")
	if r == nil {
		return
	}
	switch s {
	case CookieSameSiteStrict, CookieSameSiteLax, CookieSameSiteNone, CookieSameSiteDefault:
		r.CookieAttributes.SameSite = s
	default:
		eval.ReportError("CookieSameSite(%q): use CookieSameSiteStrict, CookieSameSiteLax, CookieSameSiteNone or CookieSameSiteDefault", s)
	}
}
