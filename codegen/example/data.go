package example

// The templates read these structs, never the design model: model.go fills
// them from expr.

// apiData is the whole scaffold.
type apiData struct {
	APIName  string // design name, "chat"
	PkgName  string // package of the implementation files, "chatapi"
	ModPath  string // import path of the implementation package (module root)
	CLIPath  string // import path of gen/http/cli/<api>
	Port     string // default -http-port, "8080"
	Services []*serviceData
	HTTP     []*serviceData // the services served over HTTP
}

// serviceData is one service.
type serviceData struct {
	Name       string // design name, "chat"
	GoName     string // "Chat"
	PkgName    string // package of gen/<service>, "chat"
	ImportPath string // import path of gen/<service>
	ServerPkg  string // local name of gen/http/<service>/server, "chatsvr"
	ServerPath string
	VarName    string // "chat" (Go identifier, lower case)
	HTTP       bool   // the service has HTTP endpoints (and so a server package)
	// Interceptors: NewEndpoints takes ServerInterceptors (the example
	// passes nil: none run until the user writes them).
	Interceptors bool
	Schemes      []*schemeData
	Methods      []*methodData
}

// schemeData is one auth function the service implements.
type schemeData struct {
	Scheme   string // design name of the scheme, "jwt"
	Kind     string // "Basic", "JWT", "APIKey", "OAuth2"
	FuncName string // "JWTAuth"
}

// methodData is one method of the service.
type methodData struct {
	Name       string // design name, "echo"
	GoName     string // "Echo"
	PayloadRef string // "*chat.CountPayload", "" when none
	ResultRef  string // unary result, "" when none (or streaming)
	ViewParam  bool   // the method also returns the view of its result
	View       string // the view the stub returns when ViewParam
	Streaming  bool
}
