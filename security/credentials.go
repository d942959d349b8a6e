package security

import (
	"net/http"
	"strings"
)

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// (the scheme is case-insensitive, surrounding blanks are trimmed), and
// whether there was a non-empty one.
func BearerToken(h http.Header) (string, bool) {
	auth := h.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// TokenFromRequest returns the bearer token of r's Authorization header or,
// failing that and if param is not empty, the value of r's query parameter
// param. Browsers cannot set headers on a WebSocket upgrade, hence the query
// parameter. A "Bearer " prefix in the parameter value is removed.
func TokenFromRequest(r *http.Request, param string) (string, bool) {
	if t, ok := BearerToken(r.Header); ok {
		return t, true
	}
	if param == "" || r.URL == nil {
		return "", false
	}
	t := strings.TrimSpace(r.URL.Query().Get(param))
	// Every "Bearer " prefix goes ("Bearer Bearer x" is x): what remains
	// never reads as a scheme again when passed on.
	for {
		scheme, rest, ok := strings.Cut(t, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			break
		}
		t = strings.TrimSpace(rest)
	}
	return t, t != ""
}

// BasicCredentials returns the user name and password of r's basic
// authentication header, and whether it had one that parsed.
func BasicCredentials(r *http.Request) (user, pass string, ok bool) {
	return r.BasicAuth()
}
