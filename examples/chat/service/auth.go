package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"duplex.dev/examples/chat/gen/chat"
	"duplex.dev/security"
)

// DemoPassword is the password of the DemoUsers.
const DemoPassword = "secret"

// DemoUsers are the accounts a Service has when Config.Users is nil: alice,
// bob and carol, all with DemoPassword. They exist so that the example can
// be tried without setting anything up; pass Config.Users in anything else.
func DemoUsers() map[string]string {
	return map[string]string{"alice": DemoPassword, "bob": DemoPassword, "carol": DemoPassword}
}

// Scopes granted by login: every token may read and write.
var grantedScopes = []string{"stream:read", "stream:write"}

// claims is the body of the JWTs login issues.
type claims struct {
	jwt.RegisteredClaims
	// Scope lists the granted scopes, separated by spaces (RFC 8693).
	Scope string `json:"scope"`
}

type userKey struct{}

// UserFromContext returns the user that JWTAuth or BasicAuth authenticated
// for the request ctx belongs to, and whether there is one.
func UserFromContext(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok
}

// BasicAuth checks a user name and password against the configured users.
// It implements chat.Auther for login.
func (s *Service) BasicAuth(ctx context.Context, user, pass string, _ *security.BasicScheme) (context.Context, error) {
	want, ok := s.users[user]
	// Compare even for unknown users so that timing does not tell which
	// user names exist.
	if subtle.ConstantTimeCompare([]byte(want), []byte(pass)) != 1 || !ok || user == "" {
		return ctx, chat.Unauthorized("invalid user name or password")
	}
	return security.Authenticated(context.WithValue(ctx, userKey{}, user), user)
}

// JWTAuth verifies a token issued by Login: its HS256 signature, its
// expiry and that it grants the scopes the method requires. It puts the
// token's subject in the context (see UserFromContext). It implements
// chat.Auther for every method but login and echo.
func (s *Service) JWTAuth(ctx context.Context, token string, scheme *security.JWTScheme) (context.Context, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		reason := "invalid token"
		if errors.Is(err, jwt.ErrTokenExpired) {
			reason = "token expired"
		}
		return ctx, chat.Unauthorized(reason)
	}
	if c.Subject == "" {
		return ctx, chat.Unauthorized("invalid token: no subject")
	}
	if scheme != nil {
		if err := scheme.Validate(strings.Fields(c.Scope)); err != nil {
			return ctx, chat.Unauthorized(fmt.Sprintf("token lacks scopes: %v", err))
		}
	}
	return security.Authenticated(context.WithValue(ctx, userKey{}, c.Subject), c.Subject)
}

// issuer is the iss claim of the tokens login issues.
const issuer = "chatd"

// Login returns a JWT for the user BasicAuth authenticated, valid for
// Config.TokenTTL.
func (s *Service) Login(ctx context.Context, p *chat.LoginPayload) (string, error) {
	now := s.now()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   p.User,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.tokenTTL)),
		},
		Scope: strings.Join(grantedScopes, " "),
	})
	signed, err := t.SignedString(s.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	s.log.Info("login", "user", p.User)
	s.activity(ctx, "login", p.User+" logged in")
	return signed, nil
}

// Session logs a browser in: the same JWT as Login, which the generated
// server sets in the HttpOnly session cookie (design.SessionCookie) rather
// than in the body, so no script in the page can read it.
func (s *Service) Session(ctx context.Context, p *chat.SessionPayload) (*chat.SessionResult, error) {
	token, err := s.Login(ctx, &chat.LoginPayload{User: p.User, Password: p.Password})
	if err != nil {
		return nil, err
	}
	return &chat.SessionResult{Token: token, User: p.User}, nil
}

// requireUser returns the authenticated user of ctx; generated endpoints
// always authenticate first, so a missing user is a wiring mistake.
func requireUser(ctx context.Context) (string, error) {
	u, ok := UserFromContext(ctx)
	if !ok {
		return "", chat.Unauthorized("not authenticated")
	}
	return u, nil
}

// tokenTTL is the default lifetime of a token.
const tokenTTL = 24 * time.Hour
