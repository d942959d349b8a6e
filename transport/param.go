package transport

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	duplex "duplex.dev"
)

// Scalar lists the Go types a path, query or header parameter decodes into.
type Scalar interface {
	~string | ~bool | ~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~float32 | ~float64
}

// Source says where a parameter is read from.
type Source int

const (
	// Path reads a path wildcard such as {room}.
	Path Source = iota
	// Query reads a query string parameter.
	Query
	// Header reads a request header.
	Header
	// Cookie reads a request cookie (r.Cookie): browsers send their cookies
	// with a WebSocket upgrade, where scripts cannot set headers.
	Cookie
)

// String returns where the source is, as used in error messages.
func (s Source) String() string {
	switch s {
	case Path:
		return "path"
	case Query:
		return "query string"
	case Cookie:
		return "cookies"
	default:
		return "header"
	}
}

// Params reads the parameters of one request and keeps the first error, so
// generated decoders read every parameter and check Err once.
type Params struct {
	r     *http.Request
	query url.Values
	err   error
}

// NewParams returns the parameters of r.
func NewParams(r *http.Request) *Params {
	return &Params{r: r, query: r.URL.Query()}
}

// Err returns the first error met while reading parameters, a
// *duplex.Error of CodeInvalid (400; CodeUnauthenticated, 401, for missing
// credentials) that names the parameter.
func (p *Params) Err() error { return p.err }

// Fail records err unless an earlier error is recorded.
func (p *Params) Fail(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

func (p *Params) raw(src Source, name string) (string, bool) {
	switch src {
	case Path:
		v := p.r.PathValue(name)
		return v, v != ""
	case Query:
		vs, ok := p.query[name]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	case Cookie:
		// A cookie that is absent, malformed (net/http drops values with
		// bytes RFC 6265 forbids) or empty reads as absent, as in Goa.
		c, err := p.r.Cookie(name)
		if err != nil {
			return "", false
		}
		return c.Value, c.Value != ""
	default:
		vs := p.r.Header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
}

// Has reports whether the parameter is present.
func (p *Params) Has(src Source, name string) bool {
	_, ok := p.raw(src, name)
	return ok
}

// Required reads a parameter that must be present; when it is absent or does
// not parse, the zero value is returned and the error recorded.
func Required[T Scalar](p *Params, src Source, name string) T {
	v, present, ok := read[T](p, src, name)
	if !present {
		p.Fail(missingParam(name, src.String()))
	}
	if !ok {
		var zero T
		return zero
	}
	return v
}

// Optional reads a parameter that may be absent (nil).
func Optional[T Scalar](p *Params, src Source, name string) *T {
	if v, _, ok := read[T](p, src, name); ok {
		return &v
	}
	return nil
}

// Default reads a parameter that takes def when absent.
func Default[T Scalar](p *Params, src Source, name string, def T) T {
	if v, _, ok := read[T](p, src, name); ok {
		return v
	}
	return def
}

// read parses the parameter name of src: present says whether the request
// has it, ok whether it parsed (when not, the error is recorded).
func read[T Scalar](p *Params, src Source, name string) (v T, present, ok bool) {
	raw, present := p.raw(src, name)
	if !present {
		return v, false, false
	}
	v, err := parseFrom[T](src, name, raw)
	if err != nil {
		p.Fail(err)
		return v, true, false
	}
	return v, true, true
}

// Slice reads every value of a repeated query parameter or header (nil when
// absent).
func Slice[T Scalar](p *Params, src Source, name string) []T {
	var raws []string
	switch src {
	case Query:
		raws = p.query[name]
	case Header:
		raws = p.r.Header.Values(name)
	default:
		if v, ok := p.raw(src, name); ok {
			raws = strings.Split(v, ",")
		}
	}
	if len(raws) == 0 {
		return nil
	}
	out := make([]T, 0, len(raws))
	for _, raw := range raws {
		v, err := parseScalar[T](name, raw)
		if err != nil {
			p.Fail(err)
			return nil
		}
		out = append(out, v)
	}
	return out
}

// parseFrom is parseScalar with the error naming a cookie as one: a cookie and a
// query parameter may share a name.
func parseFrom[T Scalar](src Source, name, raw string) (T, error) {
	v, err := parseScalar[T](name, raw)
	if err != nil && src == Cookie {
		var e *duplex.Error
		if errors.As(err, &e) {
			e.Message = "cookie " + e.Message
		}
	}
	return v, err
}

// parseScalar converts the raw text of parameter name to T, with a 400 *duplex.Error that
// names the parameter when it does not parse.
func parseScalar[T Scalar](name, raw string) (T, error) {
	var v T
	rv := reflect.ValueOf(&v).Elem()
	var err error
	var typ string
	switch rv.Kind() {
	case reflect.String:
		rv.SetString(raw)
	case reflect.Bool:
		typ = "boolean"
		var b bool
		b, err = strconv.ParseBool(raw)
		rv.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		typ = "integer"
		var n int64
		n, err = strconv.ParseInt(raw, 10, rv.Type().Bits())
		rv.SetInt(n)
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		typ = "unsigned integer"
		var n uint64
		n, err = strconv.ParseUint(raw, 10, rv.Type().Bits())
		rv.SetUint(n)
	default: // float32, float64
		typ = "float"
		var f float64
		f, err = strconv.ParseFloat(raw, rv.Type().Bits())
		rv.SetFloat(f)
	}
	if err != nil {
		var zero T
		return zero, invalidParam(name, raw, typ)
	}
	return v, nil
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header
// (the scheme is matched case-insensitively; a bare token is accepted too,
// as Goa does) and whether one was present.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return h, true
}

// Token reads a security token: from the query parameter param when it is
// not empty and present, else from the Authorization header (Bearer). A
// missing token is recorded as a 401 error.
func (p *Params) Token(param string) string {
	if param != "" {
		if v, ok := p.raw(Query, param); ok && v != "" {
			return v
		}
	}
	if v, ok := bearerToken(p.r); ok && v != "" {
		return v
	}
	p.Fail(unauthorized("missing token"))
	return ""
}

// TokenOrCookie reads a security token like Token, then, when neither the
// query parameter param nor the Authorization header carries one, from the
// cookie named cookie: explicit credentials win over the cookie the
// browser sends by itself. A missing token is recorded as a 401 error
// naming where it was looked for.
func (p *Params) TokenOrCookie(param, cookie string) string {
	if param != "" {
		if v, ok := p.raw(Query, param); ok && v != "" {
			return v
		}
	}
	if v, ok := bearerToken(p.r); ok && v != "" {
		return v
	}
	if v, ok := p.raw(Cookie, cookie); ok && v != "" {
		return v
	}
	if param != "" {
		p.Fail(unauthorized("missing token: send it in the Authorization header, the %q query parameter or the %q cookie", param, cookie))
	} else {
		p.Fail(unauthorized("missing token: send it in the Authorization header or the %q cookie", cookie))
	}
	return ""
}

// APIKey reads an API key from the query parameter or header name. A missing
// key is recorded as a 401 error.
func (p *Params) APIKey(src Source, name string) string {
	if v, ok := p.raw(src, name); ok && v != "" {
		if src == Header && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			v = strings.TrimSpace(v[7:])
		}
		if v != "" {
			return v
		}
	}
	p.Fail(unauthorized("missing API key"))
	return ""
}

// APIKeyOrCookie reads an API key like APIKey, then, when the query
// parameter or header name carries none, from the cookie named cookie. A
// missing key is recorded as a 401 error naming where it was looked for.
func (p *Params) APIKeyOrCookie(src Source, name, cookie string) string {
	if v, ok := p.raw(src, name); ok && v != "" {
		if src == Header && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			v = strings.TrimSpace(v[7:])
		}
		if v != "" {
			return v
		}
	}
	if v, ok := p.raw(Cookie, cookie); ok && v != "" {
		return v
	}
	p.Fail(unauthorized("missing API key: send it in the %q %s or the %q cookie", name, src, cookie))
	return ""
}

// AddCookie adds the cookie name=value to the Cookie header of a client
// request's headers h, as net/http's Request.AddCookie does: one Cookie
// header, pairs separated by "; ". A value net/http cannot send (bytes RFC
// 6265 forbids) is sanitized the same way.
func AddCookie(h http.Header, name, value string) {
	c := (&http.Cookie{Name: name, Value: value}).String()
	if c == "" {
		return
	}
	if prev := h.Get("Cookie"); prev != "" {
		c = prev + "; " + c
	}
	h.Set("Cookie", c)
}

// ResponseCookie reads the cookie name a response set (resp.Cookies()) as
// a T; ok is false when the response set none.
func ResponseCookie[T Scalar](cookies []*http.Cookie, name string) (v T, ok bool, err error) {
	for _, c := range cookies {
		if c.Name == name {
			v, err = parseFrom[T](Cookie, name, c.Value)
			return v, err == nil, err
		}
	}
	return v, false, nil
}

// Basic reads the user and password of an "Authorization: Basic" header. A
// missing or malformed header is recorded as a 401 error.
func (p *Params) Basic() (user, password string) {
	user, password, ok := p.r.BasicAuth()
	if !ok {
		p.Fail(unauthorized("missing or malformed basic credentials"))
	}
	return user, password
}

// SetBasic sets the Authorization header of a client request.
func SetBasic(r *http.Request, user, password string) {
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}
