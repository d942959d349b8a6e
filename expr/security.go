package expr

// SchemeKind is the kind of a security scheme.
type SchemeKind int

// The security scheme kinds. NoKind marks NoSecurity.
const (
	OAuth2Kind SchemeKind = iota + 1
	BasicAuthKind
	APIKeyKind
	JWTKind
	NoKind
)

// String returns "OAuth2", "BasicAuth", "APIKey", "JWT" or "NoSecurity".
func (k SchemeKind) String() string {
	switch k {
	case OAuth2Kind:
		return "OAuth2"
	case BasicAuthKind:
		return "BasicAuth"
	case APIKeyKind:
		return "APIKey"
	case JWTKind:
		return "JWT"
	}
	return "NoSecurity"
}

// SchemeExpr is a security scheme declared with BasicAuthSecurity,
// APIKeySecurity, JWTSecurity or OAuth2Security.
type SchemeExpr struct {
	// Kind is the scheme kind.
	Kind SchemeKind
	// SchemeName is the name given to the DSL function ("jwt").
	SchemeName string
	// Description documents the scheme.
	Description string
	// In is where the credential travels by default: "header" or "query".
	In string
	// Name is the header or query key of the credential ("Authorization").
	Name string
	// Scopes are declared with Scope.
	Scopes []*ScopeExpr
	// Flows are the OAuth2 flows (OAuth2Security only).
	Flows []*FlowExpr
	// Meta is set with Meta.
	Meta MetaExpr
	// Pos is where the scheme was declared.
	Pos Pos
}

// Scope returns the scope with the given name or nil.
func (s *SchemeExpr) Scope(name string) *ScopeExpr {
	for _, sc := range s.Scopes {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}

// ScopeExpr is a scope declared with Scope.
type ScopeExpr struct {
	// Name is the scope name ("stream:read").
	Name string
	// Description documents the scope.
	Description string
}

// FlowKind is the kind of an OAuth2 flow.
type FlowKind int

// The OAuth2 flow kinds.
const (
	AuthorizationCodeFlowKind FlowKind = iota + 1
	ImplicitFlowKind
	PasswordFlowKind
	ClientCredentialsFlowKind
)

// FlowExpr is an OAuth2 flow.
type FlowExpr struct {
	// Kind is the flow kind.
	Kind FlowKind
	// AuthorizationURL, TokenURL and RefreshURL are the flow's endpoints.
	AuthorizationURL, TokenURL, RefreshURL string
}

// SecurityExpr is a security requirement declared with Security: the
// request must satisfy all its schemes, with the listed scopes.
type SecurityExpr struct {
	// Schemes are the required schemes (a single NoKind scheme for
	// NoSecurity, removed at Finalize).
	Schemes []*SchemeExpr
	// Scopes are the required scopes.
	Scopes []string
	// Pos is where Security was called.
	Pos Pos
}

// The Meta keys that mark payload attributes carrying credentials
// (Username, Password, Token, APIKey).
const (
	SecurityUsernameMeta = "security:username"
	SecurityPasswordMeta = "security:password"
	SecurityTokenMeta    = "security:token"
	// SecurityAPIKeyMetaPrefix is followed by the scheme name.
	SecurityAPIKeyMetaPrefix = "security:apikey:"
	// SecurityAccessTokenMeta marks OAuth2 access tokens.
	SecurityAccessTokenMeta = "security:accesstoken"
)

// SecurityAttribute returns the kind of credential att carries ("username",
// "password", "token", "apikey", "accesstoken") and the scheme name for
// API keys, or "" when att carries none.
func SecurityAttribute(att *AttributeExpr) (kind, scheme string) {
	if att == nil {
		return "", ""
	}
	for k := range att.Meta {
		switch k {
		case SecurityUsernameMeta:
			return "username", ""
		case SecurityPasswordMeta:
			return "password", ""
		case SecurityTokenMeta:
			return "token", ""
		case SecurityAccessTokenMeta:
			return "accesstoken", ""
		}
		if len(k) > len(SecurityAPIKeyMetaPrefix) && k[:len(SecurityAPIKeyMetaPrefix)] == SecurityAPIKeyMetaPrefix {
			return "apikey", k[len(SecurityAPIKeyMetaPrefix):]
		}
	}
	return "", ""
}
