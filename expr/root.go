package expr

// RootExpr is the whole design.
type RootExpr struct {
	// API is the API (never nil; named "api" at Prepare when the design
	// has no API call).
	API *APIExpr
	// Services are the services in declaration order.
	Services []*ServiceExpr
	// Types are the types declared with Type, in declaration order.
	Types []UserType
	// ResultTypes are the types declared with ResultType or built with
	// CollectionOf, in declaration order.
	ResultTypes []UserType
	// Schemes are the security schemes declared with BasicAuthSecurity,
	// APIKeySecurity, JWTSecurity and OAuth2Security.
	Schemes []*SchemeExpr
	// Interceptors are the interceptors declared with Interceptor, in
	// declaration order.
	Interceptors []*InterceptorExpr
}

// Root is the design being built by the DSL. eval.Reset replaces it.
var Root = NewRoot()

// NewRoot returns an empty design.
func NewRoot() *RootExpr {
	return &RootExpr{API: &APIExpr{HTTP: &HTTPExpr{}}}
}

// Service returns the service with the given name or nil.
func (r *RootExpr) Service(name string) *ServiceExpr {
	for _, s := range r.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// UserType returns the type or result type with the given name or nil.
func (r *RootExpr) UserType(name string) UserType {
	for _, t := range r.Types {
		if t.Name() == name {
			return t
		}
	}
	for _, t := range r.ResultTypes {
		if t.Name() == name {
			return t
		}
	}
	return nil
}

// Scheme returns the security scheme with the given name or nil.
func (r *RootExpr) Scheme(name string) *SchemeExpr {
	for _, s := range r.Schemes {
		if s.SchemeName == name {
			return s
		}
	}
	return nil
}

// APIExpr is the API declared with API.
type APIExpr struct {
	// Name is the API name.
	Name string
	// Title, Description and Version document the API.
	Title, Description, Version string
	// Servers are declared with Server; Finalize adds a default one when
	// there is none.
	Servers []*ServerExpr
	// Requirements are the API-wide security requirements.
	Requirements []*SecurityExpr
	// SSEFallback is set with SSEFallback in the API: every server→client
	// method can also be read as Server-Sent Events.
	SSEFallback bool
	// Errors are the API-wide errors; Finalize copies them to every method.
	Errors []*ErrorExpr
	// HTTP holds the API-level HTTP settings and, after Finalize, the HTTP
	// services.
	HTTP *HTTPExpr
	// Meta is set with Meta.
	Meta MetaExpr
	// ServerInterceptors and ClientInterceptors apply to every method of
	// every service (ServerInterceptor, ClientInterceptor in API).
	ServerInterceptors, ClientInterceptors []*InterceptorExpr
	// DSLFunc is the design function given to API.
	DSLFunc func()
	// Pos is where API was called.
	Pos Pos
}

// ServerExpr is a server declared with Server.
type ServerExpr struct {
	// Name is the server name.
	Name string
	// Description documents the server.
	Description string
	// Services lists the names of the services it hosts (all when empty in
	// the design; filled at Finalize).
	Services []string
	// Hosts are declared with Host.
	Hosts []*HostExpr
	// Pos is where Server was called.
	Pos Pos
}

// HostExpr is a host declared with Host.
type HostExpr struct {
	// Name is the host name ("development").
	Name string
	// Description documents the host.
	Description string
	// URIs are declared with URI ("http://localhost:8080").
	URIs []string
	// Pos is where Host was called.
	Pos Pos
}
