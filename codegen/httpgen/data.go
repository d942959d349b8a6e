package httpgen

import "duplex.dev/codegen"

// The templates read these structs, never the design model: buildService
// (model.go) fills them from expr, which keeps the templates short and the
// expr dependency in one place.

// serviceData is one service as the HTTP templates see it.
type serviceData struct {
	Name       string // design name, "chat"
	GoName     string // "Chat"
	PkgName    string // name generated files import the service package under, "chat" (see codegen.ServiceImportName)
	ImportPath string // import path of gen/<service>
	ServerPath string // import path of gen/http/<service>/server
	ClientPath string // import path of gen/http/<service>/client
	APIName    string
	Methods    []*methodData
	// FileServers are the files and directories served (Files).
	FileServers []*fileServerData
}

// fileServerData is one Files of the service.
type fileServerData struct {
	Field       string // Server field and handler name, Goa's: "WebStatic" for "web/static"
	ArgName     string // New's http.FileSystem argument, "fileSystemWebStatic"
	RequestPath string // as designed, "/static/{*filepath}"
	FilePath    string // "web/static"
	Wildcard    string // "filepath", empty for one file
	Patterns    []string
}

// streaming kinds.
const (
	unary        = ""
	clientStream = "client" // StreamingPayload only
	serverStream = "server" // StreamingResult only
	bidiStream   = "bidi"   // both
)

// methodData is one method's HTTP mapping.
type methodData struct {
	Name   string // design name, "echo"
	GoName string // "Echo"
	// HandlerField is the method's field of the Server struct: GoName,
	// or GoName + "Handler" when GoName names a field or method Server
	// has anyway (a method named "service" or "use").
	HandlerField string
	// EndpointField is the method's field of the service's Endpoints
	// (see service.EndpointField).
	EndpointField string
	Verb          string // "GET"
	Pattern       string // ServeMux path, "/rooms/{room}/history"
	// Routes are every verb and pattern the server mounts the method on:
	// the first route, then the other routes and service path prefixes.
	// Clients use the first.
	Routes []*routeData
	Stream string // unary, clientStream, serverStream or bidiStream

	// PayloadRef is the Go type of the payload ("*chat.CountPayload", "string"),
	// empty when the method has none; PayloadType is the type without "*".
	PayloadRef      string
	PayloadType     string
	PayloadObj      bool   // the payload is a struct
	ValidatePayload string // "chat.ValidateCountPayload" or empty
	Body            bool   // unary: the request has a JSON body (the payload minus params)
	// BodyFields are the payload fields the client sends in the body when
	// some travel elsewhere (path, query, headers, credentials); empty when
	// the whole payload is the body.
	BodyFields []*bodyField
	Params     []*paramData
	Basic      *basicData // Basic auth user/password fields
	Tokens     []*tokenData

	ResultRef  string // "*chat.Event", "int", empty when none
	ResultType string // without "*"
	ResultPtr  bool
	// ResultCookies are the result attributes the success response sets
	// as cookies (Cookie in Response), with the cookies' attributes;
	// ResultBodyFields the result fields left in the body then, empty
	// when none is left (NoResultBody).
	ResultCookies    []*cookieData
	CookieAttributes []string // Go fields of http.Cookie: "HttpOnly: true"
	ResultBodyFields []*bodyField
	NoResultBody     bool

	// Streams.
	StreamPayloadRef  string // "*chat.EchoStreamingPayload"
	StreamPayloadType string
	StreamPayloadPtr  bool   // the streamed payload is a struct (transport.Recv), else transport.RecvValue
	ValidateStream    string // "chat.ValidateEchoStreamingPayload" or "nil"
	StreamResultRef   string // streamed result (server, bidi) or final result (client)
	StreamResultType  string
	StreamResultPtr   bool
	ViewedFn          string // "chat.NewViewedEvent" when the result has views
	DefaultView       string

	Statuses         []*statusData
	WSConfig         []string    // ws.Config fields ("ReadLimit: 4096") from the WebSocket block
	UnaryConfig      []string    // transport.UnaryConfig fields ("SubjectRate: 10"), from the HTTP block of a unary method
	DialSubprotocols []string    // the Go literals of the subprotocols the client asks for (the design's)
	Resumable        bool        // the design says Resumable(): duplex.v1 on server and client
	EventStream      bool        // SSEFallback: also served as Server-Sent Events (StreamOrEvents)
	SSE              *goaSSEData // Goa's ServerSentEvents (EventStream is then true)
	PathArgs         []*paramData
	SuccessStatus    string // "http.StatusOK"
}

// bodyField is one payload field sent in a request body.
type bodyField struct {
	Field string // Go field, "Filter"
	Ref   string // Go type, "*string"
	Tag   string // JSON tag value, "filter,omitempty"
}

// cookieData is a result attribute a response sets as a cookie.
type cookieData struct {
	Name    string // cookie name, "SID"
	Field   string // Go field of the result, "Session"; empty for a non-object result
	GoType  string // scalar Go type, "string"
	Pointer bool   // the field is *GoType
}

// routeData is one verb and ServeMux pattern.
type routeData struct {
	Verb, Pattern string
}

// paramData is a payload attribute read from the path, query or header.
type paramData struct {
	Name     string // name on the wire: "room", "X-Request-ID"
	AttrName string // design attribute name, "request_id" (the CLI flag and JSON key)
	Field    string // Go field of the payload, "Room"; empty for a non-object payload
	Source   string // "transport.Path", "transport.Query", "transport.Header"
	GoType   string // scalar Go type, "int"
	Slice    bool
	Pointer  bool   // optional: the field is *GoType
	Default  string // Go literal of the default, when any
	Required bool
}

// tokenData is a JWT or API key credential of the payload.
type tokenData struct {
	Name    string // attribute name, "token"
	Field   string // "Token"
	Pointer bool
	Query   string // query parameter name when mapped with Param, else empty
	Header  string // header name for API keys in headers, else Authorization
	Cookie  string // cookie name when mapped with Cookie, else empty
	// CookieOnly: mapped with Cookie and neither Param nor Header, so the
	// Go client sends it as a cookie.
	CookieOnly bool
	APIKey     bool
}

// basicData is the Basic auth user and password fields.
type basicData struct {
	UserName, PasswordName string // attribute names
	User, Password         string // Go fields
	Pointer                bool
}

// statusData maps a design error to its HTTP status.
type statusData struct {
	Name   string
	Status string // "http.StatusUnauthorized"
}

func (m *methodData) Streaming() bool { return m.Stream != unary }

// AnySSE reports whether a method of the service is also served as
// Server-Sent Events.
func (s *serviceData) AnySSE() bool {
	for _, m := range s.Methods {
		if m.EventStream {
			return true
		}
	}
	return false
}

// ServerStreamArgs are the type arguments of the method's
// transport.ServerStream and StreamSpec: what the server sends (the
// streamed or final result), then what it receives; any for a direction
// the method does not stream.
func (m *methodData) ServerStreamArgs() string {
	return orAny(m.StreamResultRef) + ", " + orAny(m.StreamPayloadRef)
}

// ClientStreamArgs are the type arguments of the method's
// transport.ClientStream: what the client sends, then what it receives.
func (m *methodData) ClientStreamArgs() string {
	return orAny(m.StreamPayloadRef) + ", " + orAny(m.StreamResultRef)
}

// SpecFields reports whether the method's StreamSpec has more than its
// Endpoint (then one field a line).
func (m *methodData) SpecFields() bool {
	return len(m.Statuses) > 0 || (m.RecvsStream() && m.ValidateStream != "nil") || m.ViewedFn != "" || m.SSE != nil
}

// goaSSEData is Goa's ServerSentEvents of a method: Go expressions of the
// event fields read from the result v, and the payload field
// Last-Event-ID is copied to.
type goaSSEData struct {
	Fields       []string // "ID: v.ID", "Retry: int64(transport.Deref(v.Retry))", "Data: v.Text, HasData: true"
	RequestID    string   // payload Go field, "Since"; "" for none
	RequestIDPtr bool     // the payload field is *string
	// Build are the statements of the client's transport.EventMessage
	// func when the data is one attribute (SSEEventData); none when the
	// data is the whole result.
	Build []string
}

func orAny(ref string) string {
	if ref == "" {
		return "any"
	}
	return ref
}

// CLIClient is the CLI's local variable holding the service's client, one
// per service, made before the command is chosen.
func (s *serviceData) CLIClient() string { return codegen.Goify(s.Name, false) + "Client" }

// AnyResumable reports whether a method of the service is resumable.
func (s *serviceData) AnyResumable() bool {
	for _, m := range s.Methods {
		if m.Resumable {
			return true
		}
	}
	return false
}
func (m *methodData) SendsStream() bool {
	return m.Stream == serverStream || m.Stream == bidiStream
}
func (m *methodData) RecvsStream() bool {
	return m.Stream == clientStream || m.Stream == bidiStream
}
func (m *methodData) HasParams() bool {
	return len(m.Params) > 0 || m.Basic != nil || len(m.Tokens) > 0
}

// Handler returns the method's field of the Server struct.
func (m *methodData) Handler() string {
	if m.HandlerField != "" {
		return m.HandlerField
	}
	return m.GoName
}

// Endpoint returns the method's field of the service's Endpoints.
func (m *methodData) Endpoint() string {
	if m.EndpointField != "" {
		return m.EndpointField
	}
	return m.GoName
}
