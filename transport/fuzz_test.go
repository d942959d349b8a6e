package transport_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	duplex "duplex.dev"
	"duplex.dev/transport"
)

// The fuzz targets below feed the decoders that run on every upgrade
// request, before any authentication, with what an attacker controls: the
// query string, header names and values. They must never panic, and every
// error must be the documented HTTP error naming the parameter. Run one
// with, for example:
//
//	go test -run='^$' -fuzz='^FuzzParams$' -fuzztime=10s ./transport

// newFuzzRequest builds a GET request whose raw query and one header are
// the fuzzer's. Header names are used as given (not canonicalised) so that
// odd names reach the decoders too.
func newFuzzRequest(rawQuery, header, value string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/stream", nil)
	r.URL.RawQuery = rawQuery
	if header != "" {
		r.Header[http.CanonicalHeaderKey(header)] = []string{value}
	}
	return r
}

// checkParamErr fails unless err is nil or a *duplex.Error of CodeInvalid whose
// message names the parameter.
func checkParamErr(t *testing.T, name string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var te *duplex.Error
	if !errors.As(err, &te) {
		t.Fatalf("parameter %q: error %T %v, want a *duplex.Error", name, err, err)
	}
	if te.Code != duplex.CodeInvalid {
		t.Fatalf("parameter %q: code %v, want invalid (%v)", name, te.Code, err)
	}
	if !strings.Contains(te.Error(), strconv.Quote(name)) {
		t.Fatalf("parameter %q: error %q does not name it", name, te.Error())
	}
}

// readAll reads name as every scalar kind, from the query and the header,
// with each of Required, Optional, Default and Slice, each with fresh
// Params so that every read reports its own error.
func readAll(t *testing.T, r *http.Request, name string) {
	t.Helper()
	for _, src := range []transport.Source{transport.Query, transport.Header} {
		reads := []func(p *transport.Params){
			func(p *transport.Params) { transport.Required[string](p, src, name) },
			func(p *transport.Params) { transport.Required[int](p, src, name) },
			func(p *transport.Params) { transport.Required[int32](p, src, name) },
			func(p *transport.Params) { transport.Required[uint64](p, src, name) },
			func(p *transport.Params) { transport.Required[float32](p, src, name) },
			func(p *transport.Params) { transport.Required[bool](p, src, name) },
			func(p *transport.Params) { transport.Optional[int64](p, src, name) },
			func(p *transport.Params) { transport.Optional[float64](p, src, name) },
			func(p *transport.Params) { transport.Default[uint32](p, src, name, 7) },
			func(p *transport.Params) { transport.Default[bool](p, src, name, true) },
			func(p *transport.Params) { transport.Slice[int](p, src, name) },
			func(p *transport.Params) { transport.Slice[string](p, src, name) },
		}
		for _, read := range reads {
			p := transport.NewParams(r)
			read(p)
			checkParamErr(t, name, p.Err())
		}
	}
}

func FuzzParams(f *testing.F) {
	for _, seed := range []struct{ query, header, value, name string }{
		{"limit=10", "X-Limit", "10", "limit"},
		{"limit=-1&limit=2", "X-Limit", "abc", "limit"},
		{"n=9223372036854775808", "N", "1e400", "n"},
		{"b=TRUE&b=0", "B", "t", "b"},
		{"%zz=1&a=%", "", "", "%zz"},
		{"x=%00%ff&x", "X-Empty", "", "x"},
		{";=;&&==", "Bad Header", "v\r\n", ";"},
		{"f=NaN&f=-Inf&f=0x1p-2", "F", "+Inf", "f"},
	} {
		f.Add(seed.query, seed.header, seed.value, seed.name)
	}
	f.Fuzz(func(t *testing.T, rawQuery, header, value, name string) {
		r := newFuzzRequest(rawQuery, header, value)
		readAll(t, r, name)
		readAll(t, r, http.CanonicalHeaderKey(header))
		for key := range r.URL.Query() {
			readAll(t, r, key)
		}

		// A present integer parameter decodes exactly as strconv says.
		vs := r.URL.Query()[name]
		p := transport.NewParams(r)
		got := transport.Optional[int64](p, transport.Query, name)
		switch {
		case len(vs) == 0:
			if got != nil || p.Err() != nil {
				t.Fatalf("absent %q read as %v, %v", name, got, p.Err())
			}
		default:
			want, err := strconv.ParseInt(vs[0], 10, 64)
			if (err == nil) != (p.Err() == nil) || (err == nil && (got == nil || *got != want)) {
				t.Fatalf("%q=%q read as %v, %v; strconv says %d, %v", name, vs[0], got, p.Err(), want, err)
			}
		}
	})
}

// FuzzParse checks Parse against strconv for every kind and that what it
// accepts survives a round trip through Format.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-1", "18446744073709551615", "1e309", "NaN", "true", "", " 1", "0x10", "1_000", "+5"} {
		f.Add("p", s)
	}
	f.Fuzz(func(t *testing.T, name, raw string) {
		check := func(kind string, err, strconvErr error) {
			t.Helper()
			if (err == nil) != (strconvErr == nil) {
				t.Fatalf("Parse[%s](%q): %v, strconv: %v", kind, raw, err, strconvErr)
			}
			checkParamErr(t, name, err)
		}
		i, err := transport.Parse[int](name, raw)
		_, serr := strconv.ParseInt(raw, 10, strconv.IntSize)
		check("int", err, serr)
		if err == nil {
			if back, err := transport.Parse[int](name, transport.Format(i)); err != nil || back != i {
				t.Fatalf("int %d does not round-trip: %d, %v", i, back, err)
			}
		}
		_, err = transport.Parse[int32](name, raw)
		_, serr = strconv.ParseInt(raw, 10, 32)
		check("int32", err, serr)
		u, err := transport.Parse[uint64](name, raw)
		_, serr = strconv.ParseUint(raw, 10, 64)
		check("uint64", err, serr)
		if err == nil {
			if back, err := transport.Parse[uint64](name, transport.Format(u)); err != nil || back != u {
				t.Fatalf("uint64 %d does not round-trip: %d, %v", u, back, err)
			}
		}
		_, err = transport.Parse[float64](name, raw)
		_, serr = strconv.ParseFloat(raw, 64)
		check("float64", err, serr)
		_, err = transport.Parse[bool](name, raw)
		_, serr = strconv.ParseBool(raw)
		check("bool", err, serr)
		s, err := transport.Parse[string](name, raw)
		if err != nil || s != raw {
			t.Fatalf("Parse[string](%q) = %q, %v", raw, s, err)
		}
	})
}

// FuzzCredentials feeds the token, API key and basic credential readers
// with random Authorization headers and query strings: a missing
// credential is a *duplex.Error of CodeUnauthenticated, a present one is returned without
// its "Bearer " prefix, and nothing panics.
func FuzzCredentials(f *testing.F) {
	for _, seed := range []struct{ auth, query string }{
		{"Bearer abc.def.ghi", ""},
		{"bearer    spaced   ", "token=q"},
		{"Basic " + "dTpw", "token="},
		{"Basic !!!", "api_key=k"},
		{"Bearer", "token=%zz"},
		{"", "token=a&token=b"},
		{"BEARER \x00\xff", "api_key=Bearer%20x"},
	} {
		f.Add(seed.auth, seed.query)
	}
	f.Fuzz(func(t *testing.T, auth, rawQuery string) {
		r := newFuzzRequest(rawQuery, "", "")
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		r.Header["X-Api-Key"] = []string{auth}

		checkUnauthorized := func(what string, got string, err error) {
			t.Helper()
			if got != "" {
				if err != nil {
					t.Fatalf("%s: returned %q and error %v", what, got, err)
				}
				return
			}
			var te *duplex.Error
			if !errors.As(err, &te) || te.Code != duplex.CodeUnauthenticated {
				t.Fatalf("%s: empty credential with error %v, want a 401 *duplex.Error", what, err)
			}
		}

		p := transport.NewParams(r)
		tok := p.Token("token")
		checkUnauthorized("Token", tok, p.Err())
		if q := r.URL.Query().Get("token"); q != "" && tok != q {
			t.Fatalf("Token = %q, want the query's %q", tok, q)
		}
		if bt, ok := transport.BearerToken(r); ok && len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") && strings.TrimSpace(bt) != bt {
			t.Fatalf("BearerToken(%q) = %q: blanks kept", auth, bt)
		}

		for _, src := range []transport.Source{transport.Query, transport.Header} {
			name := "api_key"
			if src == transport.Header {
				name = "X-Api-Key"
			}
			p := transport.NewParams(r)
			key := p.APIKey(src, name)
			checkUnauthorized(fmt.Sprint("APIKey from ", src), key, p.Err())
		}

		p = transport.NewParams(r)
		user, pass := p.Basic()
		if p.Err() == nil {
			// What parsed must re-encode to a header that parses the same.
			r2 := newFuzzRequest("", "", "")
			transport.SetBasic(r2, user, pass)
			u2, p2, ok := r2.BasicAuth()
			if !ok || u2 != user || p2 != pass {
				t.Fatalf("basic %q:%q does not round-trip: %q:%q %v", user, pass, u2, p2, ok)
			}
		} else {
			checkUnauthorized("Basic", "", p.Err())
		}
	})
}

// TestFuzzRequestKeepsTheRawQuery guards the fuzz helper: a query that
// url.ParseQuery rejects must still reach the decoders.
func TestFuzzRequestKeepsTheRawQuery(t *testing.T) {
	r := newFuzzRequest("a=%zz&b=1", "X-K", "v")
	if r.URL.RawQuery != "a=%zz&b=1" || r.Header.Get("X-K") != "v" {
		t.Fatalf("request %q %v", r.URL.RawQuery, r.Header)
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		t.Fatal("the seed query should not parse cleanly")
	}
	if got := transport.Required[int](transport.NewParams(r), transport.Query, "b"); got != 1 {
		t.Fatalf("b = %d, want 1 despite the bad a", got)
	}
}
