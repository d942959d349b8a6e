package ws

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// keptRequest is what a connection keeps of its upgrade request once
// upgraded (trimmed, see trimHeader): a few strings, from which Request
// builds an http.Request on demand. A copy of the request would keep
// 320 bytes of struct, a header map of its own and the URL, for the
// connection's whole life, on every idle connection, for a method few
// handlers call after the upgrade.
type keptRequest struct {
	method, proto, host, remoteAddr, requestURI, pattern string

	// path and rawQuery are the URL when it has nothing else (a server
	// request's URL has only a path and a query); url is the URL otherwise.
	path, rawPath, rawQuery string
	url                     *url.URL

	header []string // the kept header fields: name, value, name, value…
	values []string // the path values: name, value, …
	tls    *tls.ConnectionState
	ctx    context.Context
}

// keepRequest returns what a connection keeps of r, trimmed, or nil when r
// holds what cannot be rebuilt (path values set outside its pattern that
// cannot be listed): then the caller keeps a copy (copyRequest).
func keepRequest(r *http.Request) *keptRequest {
	values, ok := pathValues(r)
	if !ok {
		return nil
	}
	k := &keptRequest{
		method: r.Method, proto: r.Proto, host: r.Host, remoteAddr: r.RemoteAddr,
		requestURI: r.RequestURI, pattern: r.Pattern,
		values: values, tls: r.TLS, ctx: r.Context(),
	}
	if u := r.URL; u != nil {
		if *u == (url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}) {
			k.path, k.rawPath, k.rawQuery = u.Path, u.RawPath, u.RawQuery
		} else {
			k.url = u
		}
	}
	n := 0
	for _, vs := range r.Header {
		n += 2 * len(vs)
	}
	if n > 0 {
		k.header = make([]string, 0, n)
		for name, vs := range r.Header {
			for _, v := range vs {
				k.header = append(k.header, name, v)
			}
		}
	}
	return k
}

// request builds the upgrade request from what was kept: a new one at
// every call.
func (k *keptRequest) request() *http.Request {
	major, minor, _ := http.ParseHTTPVersion(k.proto)
	r := &http.Request{
		Method: k.method, Proto: k.proto, ProtoMajor: major, ProtoMinor: minor,
		Host: k.host, RemoteAddr: k.remoteAddr, RequestURI: k.requestURI, Pattern: k.pattern,
		Header: make(http.Header, len(k.header)/2), Body: http.NoBody, TLS: k.tls,
	}
	if k.url != nil {
		u := *k.url
		r.URL = &u
	} else {
		r.URL = &url.URL{Path: k.path, RawPath: k.rawPath, RawQuery: k.rawQuery}
	}
	for i := 0; i < len(k.header); i += 2 {
		r.Header[k.header[i]] = append(r.Header[k.header[i]], k.header[i+1])
	}
	for i := 0; i < len(k.values); i += 2 {
		r.SetPathValue(k.values[i], k.values[i+1])
	}
	return r.WithContext(k.ctx)
}

// pathValues returns r's path values as name, value pairs: those of its
// pattern's wildcards and those set with SetPathValue outside them, which
// net/http keeps in an unexported map read here by reflection; ok is false
// when that map is not where it was (another Go release): nothing is lost
// then, the caller keeps a copy of r.
func pathValues(r *http.Request) (values []string, ok bool) {
	for rest := r.Pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		rest = rest[i+j+1:]
		if name == "$" {
			continue
		}
		if v := r.PathValue(name); v != "" {
			values = append(values, name, v)
		}
	}
	other := reflect.ValueOf(r).Elem().FieldByName("otherValues")
	if !other.IsValid() || other.Kind() != reflect.Map || other.Type().Key().Kind() != reflect.String || other.Type().Elem().Kind() != reflect.String {
		return nil, false
	}
	for it := other.MapRange(); it.Next(); {
		values = append(values, it.Key().String(), it.Value().String())
	}
	return values, true
}

// copyRequest returns what a connection keeps of its upgrade request r
// (trimmed) when keepRequest cannot: a shallow copy (URL, path values,
// context) with the kept headers in a map of its own, and no body, so that
// net/http's request and its header map can be collected once net/http's
// goroutine is gone.
func copyRequest(r *http.Request) *http.Request {
	k := r.WithContext(r.Context())
	k.Header = make(http.Header, len(r.Header))
	for name, vs := range r.Header {
		k.Header[name] = vs
	}
	k.Body, k.GetBody = http.NoBody, nil
	k.Form, k.PostForm, k.MultipartForm, k.Trailer, k.Response = nil, nil, nil, nil, nil
	return k
}
