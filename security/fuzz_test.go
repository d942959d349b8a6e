package security_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"duplex.dev/security"
)

// FuzzCredentials feeds the credential extraction that generated security
// code runs before the upgrade with random Authorization headers and query
// strings. Whatever comes in: no panic, a token is returned only with ok
// and never with blanks around it or its "Bearer" scheme, the header wins
// over the query parameter, and basic credentials that parse re-encode to
// the same pair. Run it with:
//
//	go test -run='^$' -fuzz='^FuzzCredentials$' -fuzztime=10s ./security
func FuzzCredentials(f *testing.F) {
	for _, seed := range []struct{ auth, query string }{
		{"Bearer abc.def.ghi", ""},
		{"  bearer \t tok  ", "token=q"},
		{"Bearer", "token=Bearer%20%20x"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("u:p:w")), "token="},
		{"Basic !!!", "token=%zz"},
		{"Token abc", "token=a&token=b"},
		{"Bearer \x00\xff", "token=%00"},
		{"Basic Og==", "token=bearer"},
	} {
		f.Add(seed.auth, seed.query)
	}
	f.Fuzz(func(t *testing.T, auth, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/stream", nil)
		r.URL.RawQuery = rawQuery
		r.Header["Authorization"] = []string{auth}

		bt, bok := security.BearerToken(r.Header)
		if bok != (bt != "") {
			t.Fatalf("BearerToken(%q) = %q, %v: ok must say whether a token came back", auth, bt, bok)
		}
		if bok {
			if strings.TrimSpace(bt) != bt {
				t.Fatalf("BearerToken(%q) = %q: blanks kept", auth, bt)
			}
			scheme, _, _ := strings.Cut(strings.TrimSpace(auth), " ")
			if !strings.EqualFold(scheme, "bearer") {
				t.Fatalf("BearerToken(%q) = %q from a %q header", auth, bt, scheme)
			}
		}

		tok, ok := security.TokenFromRequest(r, "token")
		if ok != (tok != "") {
			t.Fatalf("TokenFromRequest = %q, %v", tok, ok)
		}
		if bok && tok != bt {
			t.Fatalf("TokenFromRequest = %q, want the header's %q", tok, bt)
		}
		if ok {
			if strings.TrimSpace(tok) != tok {
				t.Fatalf("TokenFromRequest = %q: blanks kept", tok)
			}
			if scheme, _, found := strings.Cut(tok, " "); found && strings.EqualFold(scheme, "bearer") && !bok {
				t.Fatalf("TokenFromRequest = %q: the query's Bearer prefix was kept", tok)
			}
		}
		if tok, ok := security.TokenFromRequest(r, ""); ok != bok || tok != bt {
			t.Fatalf("without a parameter TokenFromRequest = %q, %v; want the header's %q, %v", tok, ok, bt, bok)
		}

		user, pass, ok := security.BasicCredentials(r)
		if !ok {
			if user != "" || pass != "" {
				t.Fatalf("BasicCredentials(%q) = %q, %q without ok", auth, user, pass)
			}
			return
		}
		if strings.Contains(user, ":") {
			t.Fatalf("BasicCredentials(%q): user %q contains the separator", auth, user)
		}
		again := httptest.NewRequest(http.MethodGet, "/", nil)
		again.SetBasicAuth(user, pass)
		if u, p, ok := security.BasicCredentials(again); !ok || u != user || p != pass {
			t.Fatalf("basic %q:%q does not round-trip: %q:%q %v", user, pass, u, p, ok)
		}
	})
}
