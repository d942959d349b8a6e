package security_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"duplex.dev/security"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// validator is what every scheme implements, as in Goa.
type validator interface{ Validate(scopes []string) error }

func TestValidate(t *testing.T) {
	required := []string{"chat:read", "chat:write"}
	schemes := map[string]validator{
		"basic":   &security.BasicScheme{Name: "basic", RequiredScopes: required},
		"api key": &security.APIKeyScheme{Name: "key", RequiredScopes: required},
		"jwt":     &security.JWTScheme{Name: "jwt", RequiredScopes: required},
		"oauth2":  &security.OAuth2Scheme{Name: "oauth2", RequiredScopes: required, Flows: []*security.OAuthFlow{{Type: "password", TokenURL: "/token"}}},
	}
	cases := []struct {
		name    string
		scopes  []string
		missing string // "" when valid
	}{
		{"all scopes present", []string{"chat:write", "admin", "chat:read"}, ""},
		{"one scope missing", []string{"chat:read"}, "chat:write"},
		{"no scopes", nil, "chat:read, chat:write"},
	}
	for sname, s := range schemes {
		for _, tc := range cases {
			t.Run(sname+" with "+tc.name, func(t *testing.T) {
				err := s.Validate(tc.scopes)
				if tc.missing == "" {
					if err != nil {
						t.Fatalf("unexpected error %v", err)
					}
					return
				}
				if !errors.Is(err, security.ErrMissingScopes) || !strings.HasSuffix(err.Error(), tc.missing) {
					t.Fatalf("got %v, want missing scopes %s", err, tc.missing)
				}
			})
		}
	}
}

func TestScopesList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"chat:read", []string{"chat:read"}},
		{"  chat:read   chat:write ", []string{"chat:read", "chat:write"}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, security.ScopesList(tc.in), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ScopesList(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestTokenFromRequest(t *testing.T) {
	cases := []struct {
		name   string
		header string
		url    string
		param  string
		want   string
		ok     bool
	}{
		{"bearer header", "Bearer abc", "/", "token", "abc", true},
		{"lower-case scheme", "bearer abc", "/", "token", "abc", true},
		{"header wins over query", "Bearer abc", "/?token=xyz", "token", "abc", true},
		{"query parameter", "", "/?token=xyz", "token", "xyz", true},
		{"query parameter with bearer prefix", "", "/?token=Bearer%20xyz", "token", "xyz", true},
		{"basic header falls back to query", "Basic dTpw", "/?token=xyz", "token", "xyz", true},
		{"empty bearer", "Bearer ", "/", "token", "", false},
		{"no parameter name", "", "/?token=xyz", "", "", false},
		{"nothing", "", "/", "token", "", false},
		{"empty query value", "", "/?token=", "token", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			got, ok := security.TokenFromRequest(r, tc.param)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got (%q, %v), want (%q, %v)", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		header, want string
		ok           bool
	}{
		{"Bearer  abc ", "abc", true},
		{"BEARER abc", "abc", true},
		{"Bearerabc", "", false},
		{"Token abc", "", false},
		{"", "", false},
	}
	for _, tc := range cases {
		h := http.Header{}
		h.Set("Authorization", tc.header)
		got, ok := security.BearerToken(h)
		if got != tc.want || ok != tc.ok {
			t.Errorf("BearerToken(%q) = (%q, %v), want (%q, %v)", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBasicCredentials(t *testing.T) {
	cases := []struct {
		name, user, pass string
		set, ok          bool
	}{
		{"user and password", "ann", "s3cret:x", true, true},
		{"empty password", "ann", "", true, true},
		{"no header", "", "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.set {
				r.SetBasicAuth(tc.user, tc.pass)
			}
			u, p, ok := security.BasicCredentials(r)
			if u != tc.user || p != tc.pass || ok != tc.ok {
				t.Errorf("got (%q, %q, %v), want (%q, %q, %v)", u, p, ok, tc.user, tc.pass, tc.ok)
			}
		})
	}
}
