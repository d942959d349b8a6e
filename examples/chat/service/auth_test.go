package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/examples/chat/service"
	"duplex.dev/security"
)

func newService(t *testing.T, now func() time.Time) *service.Service {
	t.Helper()
	s, err := service.New(service.Config{JWTSecret: []byte("k"), Users: map[string]string{"ann": "pw"}, Now: now, TokenTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestJWTAuthAcceptsOnlyValidTokens(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	s := newService(t, clock)
	ctx := context.Background()
	scheme := &security.JWTScheme{Name: "jwt", Scopes: []string{"stream:read", "stream:write"}}

	actx, err := s.BasicAuth(ctx, "ann", "pw", &security.BasicScheme{})
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Login(actx, &chat.LoginPayload{User: "ann", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.JWTAuth(ctx, token, scheme)
	if err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	if u, _ := service.UserFromContext(got); u != "ann" {
		t.Fatalf("user in context %q, want ann", u)
	}

	forged := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		t.Helper()
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := jwt.MapClaims{"iss": "chatd", "sub": "ann", "exp": now.Add(time.Hour).Unix(), "scope": "stream:read stream:write"}
	for _, tc := range []struct {
		name  string
		token string
		req   []string
	}{
		{"another secret", forged(jwt.SigningMethodHS256, []byte("other"), valid), nil},
		{"alg none", forged(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid), nil},
		{"expired", forged(jwt.SigningMethodHS256, []byte("k"), jwt.MapClaims{"iss": "chatd", "sub": "ann", "exp": now.Add(-time.Second).Unix()}), nil},
		{"no expiry", forged(jwt.SigningMethodHS256, []byte("k"), jwt.MapClaims{"iss": "chatd", "sub": "ann"}), nil},
		{"no subject", forged(jwt.SigningMethodHS256, []byte("k"), jwt.MapClaims{"iss": "chatd", "exp": now.Add(time.Hour).Unix()}), nil},
		{"missing a required scope", forged(jwt.SigningMethodHS256, []byte("k"), jwt.MapClaims{"iss": "chatd", "sub": "ann", "exp": now.Add(time.Hour).Unix(), "scope": "stream:read"}), []string{"stream:write"}},
		{"garbage", "not.a.jwt", nil},
	} {
		t.Run(tc.name+" is unauthorized", func(t *testing.T) {
			sc := *scheme
			sc.RequiredScopes = tc.req
			_, err := s.JWTAuth(ctx, tc.token, &sc)
			var u chat.Unauthorized
			if !errors.As(err, &u) {
				t.Fatalf("JWTAuth: %v, want chat.Unauthorized", err)
			}
		})
	}
}

func TestBasicAuthRefusesWrongCredentials(t *testing.T) {
	s := newService(t, nil)
	for _, tc := range []struct{ user, pass string }{{"ann", "wrong"}, {"bob", "pw"}, {"", ""}, {"ann", ""}} {
		_, err := s.BasicAuth(context.Background(), tc.user, tc.pass, &security.BasicScheme{})
		var u chat.Unauthorized
		if !errors.As(err, &u) {
			t.Errorf("BasicAuth(%q, %q): %v, want chat.Unauthorized", tc.user, tc.pass, err)
		}
	}
}
