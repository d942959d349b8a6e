package expr

import (
	"regexp"
	"strings"
	"time"

	"duplex.dev/internal/defaults"
)

// HTTPExpr is the API-level HTTP mapping.
type HTTPExpr struct {
	// Path is the API-wide path prefix set with Path in the API's HTTP block.
	Path string
	// Services are the HTTP mappings of the services, in service order
	// after Finalize.
	Services []*HTTPServiceExpr
	// HTTPErrors are the API-wide error responses declared with
	// Response(errorName, status) in the API's HTTP block.
	HTTPErrors []*HTTPErrorExpr
	// Pos is where the API's HTTP block was declared.
	Pos Pos
	// SSE is set with ServerSentEvents in the API's HTTP block: Goa's
	// Server-Sent Events for every server→client method without its own.
	SSE *SSEExpr
}

// Service returns the HTTP mapping of the service with the given name or nil.
func (h *HTTPExpr) Service(name string) *HTTPServiceExpr {
	if h == nil {
		return nil
	}
	for _, s := range h.Services {
		if s.ServiceExpr != nil && s.ServiceExpr.Name == name {
			return s
		}
	}
	return nil
}

// HTTPServiceExpr is the HTTP mapping of a service.
type HTTPServiceExpr struct {
	// ServiceExpr is the mapped service.
	ServiceExpr *ServiceExpr
	// Paths are the path prefixes set with Path in the service's HTTP block.
	Paths []string
	// Endpoints are the mapped methods in method order after Finalize.
	Endpoints []*HTTPEndpointExpr
	// HTTPErrors are the service-wide error responses declared with
	// Response(errorName, status) in the service's HTTP block.
	HTTPErrors []*HTTPErrorExpr
	// FileServers serve the files declared with Files, in order.
	FileServers []*HTTPFileServerExpr
	// Pos is where the service's HTTP block was declared (or the service,
	// when it has none).
	Pos Pos
	// SSE is set with ServerSentEvents in the service's HTTP block: Goa's
	// Server-Sent Events for its server→client methods without their own.
	SSE *SSEExpr
}

// HTTPFileServerExpr serves a file or a directory with GET (Files).
type HTTPFileServerExpr struct {
	// Service is the HTTP service that serves the files.
	Service *HTTPServiceExpr
	// RequestPath is the request path, relative to the service and API
	// paths: "/index.html", or "/static/{*filepath}" for a directory.
	RequestPath string
	// FilePath is the file, or the directory when RequestPath ends with a
	// {*wildcard}, in the server's file system.
	FilePath string
	// Description documents the files.
	Description string
	// Pos is where Files was called.
	Pos Pos
}

// Wildcard returns the name of the {*wildcard} that ends the request path
// of a directory, "" for a single file.
func (f *HTTPFileServerExpr) Wildcard() string {
	if m := fileWildcardRE.FindStringSubmatch(f.RequestPath); m != nil {
		return m[1]
	}
	return ""
}

// IsDir reports whether f serves a directory.
func (f *HTTPFileServerExpr) IsDir() bool { return f.Wildcard() != "" }

// FullPath returns the request path joined to the API and service paths.
func (f *HTTPFileServerExpr) FullPath() string {
	var api, svc string
	if Root != nil && Root.API != nil && Root.API.HTTP != nil {
		api = Root.API.HTTP.Path
	}
	if f.Service != nil && len(f.Service.Paths) > 0 {
		svc = f.Service.Paths[0]
	}
	return joinPaths(api, svc, f.RequestPath)
}

var fileWildcardRE = regexp.MustCompile(`/{\*([a-zA-Z0-9_]+)}$`)

// Name returns the service name.
func (s *HTTPServiceExpr) Name() string { return s.ServiceExpr.Name }

// Endpoint returns the endpoint of the method with the given name or nil.
func (s *HTTPServiceExpr) Endpoint(method string) *HTTPEndpointExpr {
	for _, e := range s.Endpoints {
		if e.MethodExpr != nil && e.MethodExpr.Name == method {
			return e
		}
	}
	return nil
}

// HTTPEndpointExpr is the HTTP mapping of a method.
type HTTPEndpointExpr struct {
	// MethodExpr is the mapped method.
	MethodExpr *MethodExpr
	// Service is the HTTP service of the endpoint.
	Service *HTTPServiceExpr
	// Routes are declared with GET, POST, PUT, PATCH and DELETE.
	Routes []*RouteExpr
	// Params are the path and query parameters: after Finalize each is the
	// payload attribute of the same name.
	Params *MappedAttributeExpr
	// Headers are the request headers: after Finalize each is the payload
	// attribute of the same name.
	Headers *MappedAttributeExpr
	// Cookies are the request cookies (Cookie): after Finalize each is the
	// payload attribute of the same name.
	Cookies *MappedAttributeExpr
	// Body is the request body: the payload attributes that travel in
	// neither the path, the query, headers nor cookies. It is nil for streaming
	// methods and when nothing is left.
	Body *AttributeExpr
	// Responses are the success responses (one after Finalize: 200, or 204
	// when the result is empty, unless declared).
	Responses []*HTTPResponseExpr
	// HTTPErrors map the method errors (service errors included) to
	// responses; errors without Response get 400 at Finalize.
	HTTPErrors []*HTTPErrorExpr
	// WebSocket holds the WebSocket settings; non-nil with defaults for
	// streaming methods after Finalize, nil for unary methods.
	WebSocket *WebSocketExpr
	// SubjectRate caps the requests of one authenticated subject to a
	// unary method (SubjectRate in the HTTP block); nil means unlimited.
	SubjectRate *RateExpr
	// Meta is set with Meta.
	Meta MetaExpr
	// Pos is where the method's HTTP block was declared.
	Pos Pos
	// SSE is set with ServerSentEvents in the method's HTTP block; see
	// GoaSSE for the one that applies.
	SSE *SSEExpr
}

// Name returns the method name.
func (e *HTTPEndpointExpr) Name() string { return e.MethodExpr.Name }

// PathParams returns the params that appear as {wildcards} in a route.
func (e *HTTPEndpointExpr) PathParams() *MappedAttributeExpr {
	wild := map[string]bool{}
	for _, r := range e.Routes {
		for _, p := range r.Params() {
			wild[p] = true
		}
	}
	return e.Params.filter(func(name string) bool { return wild[e.Params.ElemName(name)] || wild[name] })
}

// QueryParams returns the params that are not path params.
func (e *HTTPEndpointExpr) QueryParams() *MappedAttributeExpr {
	pp := e.PathParams()
	return e.Params.filter(func(name string) bool { return pp.Find(name) == nil })
}

// RouteExpr is a route declared with GET, POST, PUT, PATCH or DELETE.
type RouteExpr struct {
	// Method is the HTTP method ("GET").
	Method string
	// Path is the route path as declared, relative to the service and API
	// paths ("/rooms/{room}").
	Path string
	// Endpoint is the endpoint of the route.
	Endpoint *HTTPEndpointExpr
	// Pos is where the route was declared.
	Pos Pos
}

// FullPath returns the API path, the first service path and the route path
// joined ("/chat/rooms/{room}").
func (r *RouteExpr) FullPath() string {
	paths := r.FullPaths()
	return paths[0]
}

// FullPaths returns the full path for every service path prefix.
func (r *RouteExpr) FullPaths() []string {
	var api string
	var svcPaths []string
	if r.Endpoint != nil && r.Endpoint.Service != nil {
		svcPaths = r.Endpoint.Service.Paths
	}
	if Root != nil && Root.API != nil && Root.API.HTTP != nil {
		api = Root.API.HTTP.Path
	}
	if len(svcPaths) == 0 {
		svcPaths = []string{""}
	}
	out := make([]string, len(svcPaths))
	for i, sp := range svcPaths {
		out[i] = joinPaths(api, sp, r.Path)
	}
	return out
}

func joinPaths(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Trim(p, "/")
		if p == "" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

var wildcardRE = regexp.MustCompile(`/{\*?([a-zA-Z0-9_]+)}`)

// Params returns the names of the route's wildcards ("room" for
// "/rooms/{room}"), including those of the service and API paths.
func (r *RouteExpr) Params() []string {
	return ExtractWildcards(r.FullPath())
}

// ExtractWildcards returns the wildcard names of a path.
func ExtractWildcards(p string) []string {
	matches := wildcardRE.FindAllStringSubmatch(p, -1)
	out := make([]string, len(matches))
	for i, m := range matches {
		out[i] = m[1]
	}
	return out
}

// MappedAttributeExpr is an object attribute whose child attributes have a
// wire name (header or query key) that may differ from the attribute name.
type MappedAttributeExpr struct {
	// AttributeExpr's Type is an *Object of the mapped attributes.
	*AttributeExpr
	nameMap map[string]string
}

// NewMappedAttributeExpr returns an empty mapped attribute.
func NewMappedAttributeExpr() *MappedAttributeExpr {
	return &MappedAttributeExpr{AttributeExpr: &AttributeExpr{Type: &Object{}}, nameMap: map[string]string{}}
}

// Map records that attribute attName travels as elemName on the wire.
func (m *MappedAttributeExpr) Map(attName, elemName string) {
	if m.nameMap == nil {
		m.nameMap = map[string]string{}
	}
	m.nameMap[attName] = elemName
}

// ElemName returns the wire name of the attribute ("X-Request-ID" for
// Header("req_id:X-Request-ID")); the attribute name when not mapped.
func (m *MappedAttributeExpr) ElemName(attName string) string {
	if m == nil {
		return attName
	}
	if e, ok := m.nameMap[attName]; ok {
		return e
	}
	return attName
}

// AttributeName returns the attribute name of the wire name elemName.
func (m *MappedAttributeExpr) AttributeName(elemName string) string {
	for a, e := range m.nameMap {
		if e == elemName {
			return a
		}
	}
	return elemName
}

// Object returns the mapped attributes.
func (m *MappedAttributeExpr) Object() *Object {
	if m == nil || m.AttributeExpr == nil {
		return &Object{}
	}
	if o, ok := m.Type.(*Object); ok {
		return o
	}
	return &Object{}
}

// Len returns the number of mapped attributes.
func (m *MappedAttributeExpr) Len() int { return len(*m.Object()) }

// Add adds (or replaces) the attribute attName, travelling as elemName.
func (m *MappedAttributeExpr) Add(attName, elemName string, att *AttributeExpr) {
	if m.AttributeExpr == nil {
		m.AttributeExpr = &AttributeExpr{Type: &Object{}}
	}
	if _, ok := m.Type.(*Object); !ok {
		m.Type = &Object{}
	}
	m.Type.(*Object).Set(attName, att)
	if elemName != "" && elemName != attName {
		m.Map(attName, elemName)
	}
}

// Remove deletes the attribute attName.
func (m *MappedAttributeExpr) Remove(attName string) {
	m.Object().Delete(attName)
	delete(m.nameMap, attName)
	if m.Validation != nil {
		req := m.Validation.Required[:0:0]
		for _, r := range m.Validation.Required {
			if r != attName {
				req = append(req, r)
			}
		}
		m.Validation.Required = req
	}
}

func (m *MappedAttributeExpr) filter(keep func(name string) bool) *MappedAttributeExpr {
	out := NewMappedAttributeExpr()
	if m == nil {
		return out
	}
	for _, nat := range *m.Object() {
		if keep(nat.Name) {
			out.Add(nat.Name, m.ElemName(nat.Name), nat.Attribute)
			if m.IsRequired(nat.Name) {
				if out.Validation == nil {
					out.Validation = &ValidationExpr{}
				}
				out.Validation.Required = append(out.Validation.Required, nat.Name)
			}
		}
	}
	return out
}

// HTTPResponseExpr is a response declared with Response.
type HTTPResponseExpr struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Description documents the response.
	Description string
	// Body is the response body (nil when none).
	Body *AttributeExpr
	// Headers are the response headers.
	Headers *MappedAttributeExpr
	// Cookies are the result attributes the response sets as cookies
	// (Cookie in Response), with CookieAttributes; they are not in the body.
	Cookies *MappedAttributeExpr
	// CookieAttributes are the attributes of every cookie of the response.
	CookieAttributes CookieAttributes
	// Pos is where Response was called.
	Pos Pos
}

// CookieAttributes are the attributes of the cookies a response sets
// (CookieMaxAge, CookieDomain, CookiePath, CookieSecure, CookieHTTPOnly,
// CookieSameSite). As in Goa, they apply to every cookie of the response.
type CookieAttributes struct {
	// MaxAge is the Max-Age in seconds; nil when not set (a session cookie).
	MaxAge *int
	// Domain and Path are the cookie's Domain and Path; empty when not set.
	Domain, Path string
	// Secure and HTTPOnly set the Secure and HttpOnly flags.
	Secure, HTTPOnly bool
	// SameSite is "Strict", "Lax", "None" or "" (not set).
	SameSite string
}

// HTTPErrorExpr maps a design error to a response.
type HTTPErrorExpr struct {
	// Name is the error name.
	Name string
	// ErrorExpr is the error (set at Finalize).
	ErrorExpr *ErrorExpr
	// Response is the response sent for the error.
	Response *HTTPResponseExpr
	// Pos is where Response(errorName, ...) was called.
	Pos Pos
}

// The slow-consumer policies of SendQueue.
const (
	// SlowConsumerDisconnect closes a connection whose send queue is full.
	SlowConsumerDisconnect = "disconnect"
	// SlowConsumerDropOldest drops the oldest queued message to make room.
	SlowConsumerDropOldest = "drop_oldest"
)

// The WebSocket defaults Finalize fills in: the runtime's (ws.DefaultConfig),
// from the one place both take them.
const (
	DefaultReadLimit         int64 = defaults.ReadLimit
	DefaultHeartbeatInterval       = defaults.HeartbeatInterval
	DefaultHeartbeatTimeout        = defaults.HeartbeatTimeout
	DefaultSendQueue               = defaults.SendQueue
)

// WebSocketExpr holds the WebSocket settings of a streaming endpoint.
type WebSocketExpr struct {
	// Subprotocols are negotiated with Sec-WebSocket-Protocol, in order of
	// preference.
	Subprotocols []string
	// ReadLimit is the largest message accepted, in bytes (default 1 MiB).
	ReadLimit int64
	// HeartbeatInterval is the ping interval (default 25s).
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a peer may stay silent (default 60s).
	HeartbeatTimeout time.Duration
	// Resumable enables sequence numbers, acknowledgements and resumption
	// for clients that negotiate the extended wire.
	Resumable bool
	// SendQueue is the per-connection send queue size (default 256).
	SendQueue int
	// SlowConsumer is the policy when the queue is full: "disconnect"
	// (default) or "drop_oldest".
	SlowConsumer string
	// WriteDelay is how long queued messages wait for the ones that follow
	// before they are written together (default 0: at once).
	WriteDelay time.Duration
	// MessageRate caps the messages one connection may send (MessageRate);
	// SubjectRate those of all the connections of one authenticated
	// subject (SubjectRate). Nil means unlimited.
	MessageRate, SubjectRate *RateExpr
	// Pos is where WebSocket was called.
	Pos Pos
}

// RateExpr is a rate limit: a token bucket of PerSecond tokens a second
// holding Burst at most.
type RateExpr struct {
	PerSecond float64
	Burst     int
	// Pos is where the limit was set.
	Pos Pos
}
