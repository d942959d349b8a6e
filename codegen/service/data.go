package service

// The templates read these structs, never the design model: buildService
// (model.go) fills them from expr, with the Go code that depends on types
// (struct definitions, validations, projections) already written, which keeps
// the templates short.

// serviceData is one service as the templates see it.
type serviceData struct {
	Name        string // design name, "chat"
	GoName      string // "Chat"
	PkgName     string // Go package, "chat"
	Description string
	APIName     string
	APIVersion  string
	Methods     []*methodData
	Auths       []*authFuncData // methods of Auther, one per scheme kind used
	Types       []*typeData     // types defined in service.go, sorted by name
	Errors      []*errorData    // design errors of the default (ServiceError) type
	Viewed      []*viewedData   // result types with views
	Validators  []*validatorData

	// ServerInterceptors and ClientInterceptors are the interceptors applied
	// to at least one method, sorted by design name (Goa's order).
	ServerInterceptors, ClientInterceptors []*interceptorData
	// Infos are the interceptors whose <Name>Info type service_interceptors.go
	// (Server) or client_interceptors.go declares.
	ServerInfos, ClientInfos []*interceptorData
	// WrappedServerStreams and WrappedClientStreams are the streams a
	// streaming interceptor wraps.
	WrappedServerStreams, WrappedClientStreams []*streamData
	Unions                                     []*unionData // sum types of the OneOf attributes, sorted by name
}

// methodData is one service method.
type methodData struct {
	Name        string // design name, "count"
	GoName      string // "Count"
	VarName     string // "count"
	Field       string // field of Endpoints, GoName unless that is "Use" (see EndpointField)
	ClientField string // field of Client, GoName + "Endpoint" unless another method has that name
	Description string
	Streaming   bool

	PayloadRef string // "*CountPayload", "" when none
	ResultRef  string // unary result or final result of a client stream, "" when none
	ViewedNew  string // unary result with views: "NewViewedEvent"
	ViewParam  bool   // the method returns the view to render its result with
	ResultView string // the view when fixed: "default"
	Views      []string

	ServerStream *streamData
	ClientStream *streamData

	// ServerInterceptors and ClientInterceptors are the Go names of the
	// interceptors of the method in the order Wrap<Method>Endpoint applies
	// them: the last one applied runs first.
	ServerInterceptors, ClientInterceptors []string

	AuthParams []*authParamData // parameters of New<Method>Endpoint
	AuthCode   string           // statements authorizing the request
	Errors     []string         // documentation of the errors the method returns
}

// Sig returns the method of the Service interface.
func (m *methodData) Sig() string {
	s := m.GoName + "(context.Context"
	if m.PayloadRef != "" {
		s += ", " + m.PayloadRef
	}
	if m.Streaming {
		return s + ", " + m.ServerStream.Name + ") (err error)"
	}
	s += ") ("
	if m.ResultRef != "" {
		s += "res " + m.ResultRef + ", "
		if m.ViewParam {
			s += "view string, "
		}
	}
	return s + "err error)"
}

// streamData is a server or client stream interface.
type streamData struct {
	Name    string // "CountServerStream"
	Doc     string
	Methods []*streamMethodData

	// What an interceptor wrapper of the stream forwards: the sending
	// method ("Send", "SendAndClose") and its value, the receiving one
	// ("Recv", "CloseAndRecv"), Close and SetView.
	SendName, SendRef string
	RecvName, RecvRef string
	Close, SetView    bool
}

// streamMethodData is one method of a stream interface.
type streamMethodData struct {
	Doc string
	Sig string // "Send(*Event) error"
}

// authFuncData is one method of the Auther interface.
type authFuncData struct {
	Kind   string // "Basic", "JWT", "APIKey", "OAuth2"
	Params string // "user, pass string"
}

// authParamData is an authorization function parameter of an endpoint
// constructor.
type authParamData struct {
	Name string // "authJWTFn"
	Kind string // "JWT"
}

// typeData is a type defined in service.go.
type typeData struct {
	Name     string
	Doc      string
	Def      string // after "type Name "
	Struct   bool   // a struct: Validate<Name> is generated
	Validate string // body of Validate<Name>
	Defaults string // composite literal fields of the defaults, "" when none
	// Shadow are the override fields of the shadow struct UnmarshalJSON
	// decodes into, to see which required attributes the data lacks (see
	// presence.go); Convert copies them into the value (s.plain).
	Shadow  []*shadowField
	Convert string
	Error   *typeErrorData
}

// shadowField is an override field of the shadow struct of UnmarshalJSON.
type shadowField struct {
	Name  string // attribute name, the JSON key
	Field string // Go field name
	Ref   string // Go type of the shadow field, "*string"
}

// typeErrorData makes a type a design error.
type typeErrorData struct {
	Name string // design error name
	Recv string // receiver type, "*NotFound" or "Unauthorized"
	Body string // statements of the Error method, with receiver e
}

// errorData is a design error of the default type, built with Make<Name>.
type errorData struct {
	Name                      string // design name, "not_found"
	GoName                    string // "NotFound"
	Doc                       string
	Timeout, Temporary, Fault bool
}

// viewedData is a result type with views.
type viewedData struct {
	Name       string // "Event"
	Ref        string // "*Event"
	ViewedName string // "ViewedEvent"
	ViewName   string // "EventView" (projected type)
	ProjRef    string // "*EventView"
	ProjDef    string
	Views      []*viewData
	Default    string
	Collection *viewedData // element of a collection
	ToResult   string      // body of New<Name>, from vres to res
}

// viewData is one view of a result type.
type viewData struct {
	Name    string
	Project string // expression building the projected value from res
}

// validatorData validates a method value that is not a struct.
type validatorData struct {
	Name string // "ValidateCountStreamingPayload"
	Ref  string // "int"
	Body string
}
