package security

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// BasicScheme describes a basic authentication scheme from the design.
type BasicScheme struct {
	// Name is the scheme name given in the design.
	Name string
	// Scopes lists the scopes the scheme defines.
	Scopes []string
	// RequiredScopes lists the scopes the method requires.
	RequiredScopes []string
}

// APIKeyScheme describes an API key scheme from the design.
type APIKeyScheme struct {
	// Name is the scheme name given in the design.
	Name string
	// Scopes lists the scopes the scheme defines.
	Scopes []string
	// RequiredScopes lists the scopes the method requires.
	RequiredScopes []string
}

// JWTScheme describes a JWT scheme from the design.
type JWTScheme struct {
	// Name is the scheme name given in the design.
	Name string
	// Scopes lists the scopes the scheme defines.
	Scopes []string
	// RequiredScopes lists the scopes the method requires.
	RequiredScopes []string
}

// OAuth2Scheme describes an OAuth2 scheme from the design.
type OAuth2Scheme struct {
	// Name is the scheme name given in the design.
	Name string
	// Scopes lists the scopes the scheme defines.
	Scopes []string
	// RequiredScopes lists the scopes the method requires.
	RequiredScopes []string
	// Flows lists the OAuth2 flows the scheme supports.
	Flows []*OAuthFlow
}

// OAuthFlow describes one OAuth2 flow.
type OAuthFlow struct {
	// Type is "authorization_code", "implicit", "password" or "client_credentials".
	Type string
	// AuthorizationURL is the authorization endpoint.
	AuthorizationURL string
	// TokenURL is the token endpoint.
	TokenURL string
	// RefreshURL is the endpoint that refreshes tokens.
	RefreshURL string
}

// AuthBasicFunc is the signature of a service's BasicAuth method.
type AuthBasicFunc func(ctx context.Context, user, pass string, s *BasicScheme) (context.Context, error)

// AuthAPIKeyFunc is the signature of a service's APIKeyAuth method.
type AuthAPIKeyFunc func(ctx context.Context, key string, s *APIKeyScheme) (context.Context, error)

// AuthOAuth2Func is the signature of a service's OAuth2Auth method.
type AuthOAuth2Func func(ctx context.Context, token string, s *OAuth2Scheme) (context.Context, error)

// AuthJWTFunc is the signature of a service's JWTAuth method.
type AuthJWTFunc func(ctx context.Context, token string, s *JWTScheme) (context.Context, error)

// ErrMissingScopes is wrapped by the error Validate returns when a required
// scope is missing; test for it with errors.Is.
var ErrMissingScopes = errors.New("missing scopes")

// Validate returns an error wrapping ErrMissingScopes, and naming them, if
// scopes lacks any of s.RequiredScopes.
func (s *BasicScheme) Validate(scopes []string) error {
	return validateScopes(s.RequiredScopes, scopes)
}

// Validate returns an error wrapping ErrMissingScopes, and naming them, if
// scopes lacks any of s.RequiredScopes.
func (s *APIKeyScheme) Validate(scopes []string) error {
	return validateScopes(s.RequiredScopes, scopes)
}

// Validate returns an error wrapping ErrMissingScopes, and naming them, if
// scopes lacks any of s.RequiredScopes.
func (s *JWTScheme) Validate(scopes []string) error {
	return validateScopes(s.RequiredScopes, scopes)
}

// Validate returns an error wrapping ErrMissingScopes, and naming them, if
// scopes lacks any of s.RequiredScopes.
func (s *OAuth2Scheme) Validate(scopes []string) error {
	return validateScopes(s.RequiredScopes, scopes)
}

func validateScopes(required, actual []string) error {
	var missing []string
	for _, r := range required {
		if !slices.Contains(actual, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrMissingScopes, strings.Join(missing, ", "))
}
