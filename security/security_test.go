package security_test

import (
	"errors"
	"strings"
	"testing"

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
