package openapi

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// Files returns gen/http/openapi3.json, gen/http/openapi3.yaml and
// gen/asyncapi.yaml for root (the AsyncAPI document only when the design
// has a streaming method; the YAML documents as trees that the duplex
// command encodes, see codegen.File.YAML). genPkg is unused; it keeps the signature of every
// generator the same. root must have gone through eval.RunDSL.
func Files(genPkg string, root *expr.RootExpr) ([]*codegen.File, error) {
	oa := OpenAPI(root)
	js, err := oa.JSON()
	if err != nil {
		return nil, fmt.Errorf("encode openapi3.json: %w", err)
	}
	ys, err := oa.YAML()
	if err != nil {
		return nil, fmt.Errorf("encode openapi3.yaml: %w", err)
	}
	files := []*codegen.File{
		{Path: "gen/http/openapi3.json", Content: js},
		{Path: "gen/http/openapi3.yaml", YAML: ys},
	}
	if aa := AsyncAPI(root); aa != nil {
		as, err := aa.YAML()
		if err != nil {
			return nil, fmt.Errorf("encode asyncapi.yaml: %w", err)
		}
		files = append(files, &codegen.File{Path: "gen/asyncapi.yaml", YAML: as})
	}
	return files, nil
}

// Document is an API document (OpenAPI or AsyncAPI) ready to encode. Its
// JSON and YAML encodings list keys in a fixed order (info before paths,
// type before properties), so regenerating an unchanged design changes
// nothing.
type Document struct{ o *object }

// JSON returns the document as indented JSON.
func (d *Document) JSON() ([]byte, error) { return encodeJSON(d.o) }

// YAML returns the document as a YAML tree, for package
// duplex.dev/codegen/yamlfile to encode.
func (d *Document) YAML() (*codegen.YAMLNode, error) { return yamlDocument(d.o) }

// OpenAPI returns the OpenAPI 3.1 document of root's HTTP mapping: unary
// methods with their parameters, bodies, responses and errors, and each
// streaming method as the GET that upgrades to a WebSocket (answered by 101).
func OpenAPI(root *expr.RootExpr) *Document {
	b := &openAPIBuilder{root: root, schemas: newSchemas(), creds: newCredentials()}
	return &Document{b.build()}
}

type openAPIBuilder struct {
	root    *expr.RootExpr
	schemas *schemas
	creds   *credentials
}

func (b *openAPIBuilder) build() *object {
	api := b.root.API
	paths := obj()
	var tags []any
	if api.HTTP != nil {
		for _, hs := range api.HTTP.Services {
			if len(hs.Endpoints) == 0 {
				continue
			}
			tags = append(tags, obj("name", hs.Name(), "description", hs.ServiceExpr.Description))
			for _, e := range hs.Endpoints {
				for i, r := range e.Routes {
					for j, p := range r.FullPaths() {
						key := openAPIPath(p)
						item, _ := paths.get(key).(*object)
						if item == nil {
							item = obj()
							paths.set(key, item)
						}
						verb := strings.ToLower(r.Method)
						if item.get(verb) != nil {
							continue
						}
						id := hs.Name() + "#" + e.Name()
						if i+j > 0 {
							id += "#" + strconv.Itoa(i+j+1)
						}
						item.set(verb, b.operation(e, id, p))
					}
				}
			}
		}
	}
	components := obj()
	components.set("schemas", nonEmpty(b.schemas.defs))
	schemes := obj()
	for _, c := range b.creds.list {
		schemes.set(c.key, c.schemeObject("scopes", "apiKey"))
	}
	components.set("securitySchemes", nonEmpty(schemes))
	return obj(
		"openapi", "3.1.0",
		"info", info(api),
		"servers", servers(api, false),
		"paths", paths,
		"components", nonEmpty(components),
		"tags", tags,
	)
}

func nonEmpty(o *object) any {
	if o.len() == 0 {
		return nil
	}
	return o
}

func info(api *expr.APIExpr) *object {
	title := api.Title
	if title == "" {
		title = api.Name
	}
	version := api.Version
	if version == "" {
		version = "1.0"
	}
	return obj("title", title, "description", api.Description, "version", version)
}

// servers returns the API's servers: their http(s) URIs for OpenAPI, or
// (ws true) a map of AsyncAPI server objects with the ws(s) scheme.
func servers(api *expr.APIExpr, ws bool) any {
	var list []any
	named := obj()
	for _, s := range api.Servers {
		n := 0
		for _, h := range s.Hosts {
			for _, raw := range h.URIs {
				u, err := url.Parse(raw)
				if err != nil || u.Host == "" {
					continue
				}
				desc := s.Description
				if h.Description != "" {
					desc = strings.TrimSpace(desc + " " + h.Description)
				}
				if !ws {
					if u.Scheme == "http" || u.Scheme == "https" {
						list = append(list, obj("url", raw, "description", desc))
					}
					continue
				}
				proto := map[string]string{"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}[u.Scheme]
				if proto == "" {
					continue
				}
				key := serverKey(s.Name)
				if n > 0 {
					key = serverKey(s.Name + "_" + h.Name)
				}
				for i := 2; named.get(key) != nil; i++ {
					key = serverKey(s.Name + "_" + h.Name + "_" + strconv.Itoa(i))
				}
				n++
				path := strings.TrimSuffix(u.Path, "/")
				named.set(key, obj("host", u.Host, "protocol", proto, "pathname", path, "description", desc))
			}
		}
	}
	if ws {
		return nonEmpty(named)
	}
	return list
}

var nonKeyChars = regexp.MustCompile(`[^A-Za-z0-9_\-]+`)

func serverKey(s string) string { return nonKeyChars.ReplaceAllString(s, "_") }

var catchAll = regexp.MustCompile(`{\*([a-zA-Z0-9_]+)}`)

// openAPIPath turns a catch-all wildcard {*name} into {name}.
func openAPIPath(p string) string { return catchAll.ReplaceAllString(p, "{$1}") }

func (b *openAPIBuilder) operation(e *expr.HTTPEndpointExpr, id, path string) *object {
	m := e.MethodExpr
	op := obj(
		"tags", []any{e.Service.Name()},
		"summary", fmt.Sprintf("%s %s", m.Name, e.Service.Name()),
		"description", m.Description,
		"operationId", id,
	)
	reqs := b.creds.of(e)
	credAttrs := map[string]bool{}
	for _, req := range reqs {
		for _, c := range req {
			if c.attr != "" {
				credAttrs[c.attr] = true
			}
		}
	}
	params := b.parameters(e, path, credAttrs)
	if m.EventStream(b.root.API) && e.WebSocket != nil && e.WebSocket.Resumable {
		params = append(params, lastEventIDParameter())
	}
	op.set("parameters", params)
	if !m.IsStreaming() && e.Body != nil && !expr.IsEmpty(e.Body.Type) {
		var sc *object
		if _, anon := e.Body.Type.(*expr.Object); anon && e.Body != m.Payload {
			sc = b.schemas.named(codegen.Goify(m.Name, true)+"RequestBody", m.Service.Name, e.Body)
		} else {
			sc = b.schemas.method(m, e.Body, "Payload")
		}
		op.set("requestBody", obj("required", true, "content", obj("application/json", obj("schema", sc))))
	}
	responses := obj()
	if m.IsStreaming() {
		responses.set("101", obj("description", fmt.Sprintf(
			"Switching Protocols: the connection is upgraded to a WebSocket carrying the %s stream. "+
				"Its messages are described by channel %q of the AsyncAPI document (gen/asyncapi.yaml).",
			m.Stream, channelName(b.root, e))))
	} else {
		for _, r := range e.Responses {
			responses.set(strconv.Itoa(r.StatusCode), b.response(e, r))
		}
	}
	if m.EventStream(b.root.API) {
		b.eventStreamResponses(e, responses)
	} else if goa := e.GoaSSE(b.root.API); goa != nil {
		b.goaEventStreamResponses(e, goa, responses)
	}
	b.errorResponses(e, responses)
	if m.IsStreaming() && mappedLen(e.Params)+mappedLen(e.Headers) > 0 && responses.get("400") == nil {
		responses.set("400", obj("description", "Bad Request: a parameter is missing or invalid; the body names it."))
	}
	if r := e.SubjectRate; r != nil && !m.IsStreaming() && responses.get("429") == nil {
		responses.set("429", obj("description", fmt.Sprintf(
			"Too Many Requests: the caller sent more than %g requests a second (bursts of %d); the method did not run. Retry after the Retry-After header's seconds.",
			r.PerSecond, r.Burst),
			"headers", obj("Retry-After", obj("schema", obj("type", "integer"), "description", "Seconds to wait before retrying."))))
	}
	if m.IsStreaming() && e.GoaSSE(b.root.API) == nil && responses.get("426") == nil { // with Goa's SSE, a GET that is no upgrade gets events
		responses.set("426", obj("description", "Upgrade Required: the request is not a WebSocket upgrade."))
	}
	op.set("responses", responses)
	var sec []any
	for _, req := range reqs {
		r := obj()
		for _, c := range req {
			r.put(c.key, scopeList(e, c.scheme))
		}
		sec = append(sec, r)
	}
	op.set("security", sec)
	if m.IsStreaming() {
		op.set("x-duplex-websocket", webSocketExtension(e))
	}
	if m.EventStream(b.root.API) {
		op.set("x-duplex-sse", sseExtension(e))
	}
	return op
}

func mappedLen(m *expr.MappedAttributeExpr) int {
	if m == nil || m.AttributeExpr == nil {
		return 0
	}
	return m.Len()
}

// webSocketExtension summarises the endpoint's WebSocket settings.
func webSocketExtension(e *expr.HTTPEndpointExpr) *object {
	ws := e.WebSocket
	o := obj("stream", e.MethodExpr.Stream.String())
	if ws == nil {
		return o
	}
	var subs []any
	for _, s := range ws.Subprotocols {
		subs = append(subs, s)
	}
	o.set("subprotocols", subs)
	if ws.Resumable {
		o.set("resumable", true)
	}
	o.set("readLimit", ws.ReadLimit)
	o.set("heartbeatInterval", ws.HeartbeatInterval.String())
	o.set("heartbeatTimeout", ws.HeartbeatTimeout.String())
	o.set("sendQueue", ws.SendQueue)
	o.set("slowConsumer", ws.SlowConsumer)
	if ws.WriteDelay > 0 {
		o.set("writeDelay", ws.WriteDelay.String())
	}
	if r := ws.MessageRate; r != nil {
		o.set("messageRate", rateObject(r))
	}
	if r := ws.SubjectRate; r != nil {
		o.set("subjectRate", rateObject(r))
	}
	return o
}

// rateObject describes a rate limit: past it a stream is closed with 4029.
func rateObject(r *expr.RateExpr) *object {
	return obj("perSecond", r.PerSecond).set("burst", r.Burst).set("closeCode", 4029)
}

// parameters returns the path, query and header parameters of e, except the
// credentials that the security schemes describe.
func (b *openAPIBuilder) parameters(e *expr.HTTPEndpointExpr, path string, credAttrs map[string]bool) []any {
	var params []any
	wild := expr.ExtractWildcards(path)
	add := func(m *expr.MappedAttributeExpr, in string, keep func(name, elem string) bool) {
		if m == nil {
			return
		}
		for _, na := range *m.Object() {
			elem := m.ElemName(na.Name)
			if !keep(na.Name, elem) {
				continue
			}
			p := obj("name", elem, "in", in, "description", na.Attribute.Description)
			if in == "path" || m.IsRequired(na.Name) {
				p.set("required", true)
			}
			sc := b.schemas.schema(na.Attribute)
			if sc.get("$ref") == nil {
				sc.del("description") // said once, on the parameter
			}
			p.set("schema", sc)
			params = append(params, p)
		}
	}
	isWild := func(name, elem string) bool { return slices.Contains(wild, elem) || slices.Contains(wild, name) }
	add(e.Params, "path", isWild)
	add(e.Params, "query", func(name, elem string) bool { return !isWild(name, elem) && !credAttrs[name] })
	add(e.Headers, "header", func(name, elem string) bool {
		return !credAttrs[name] && !strings.EqualFold(elem, "Authorization")
	})
	add(e.Cookies, "cookie", func(name, _ string) bool { return !credAttrs[name] })
	return params
}

func (b *openAPIBuilder) response(e *expr.HTTPEndpointExpr, r *expr.HTTPResponseExpr) *object {
	m := e.MethodExpr
	desc := r.Description
	if desc == "" {
		desc = http.StatusText(r.StatusCode) + " response."
	}
	o := obj("description", desc)
	if r.Headers != nil && r.Headers.Len() > 0 {
		hs := obj()
		for _, na := range *r.Headers.Object() {
			hs.set(r.Headers.ElemName(na.Name), obj("description", na.Attribute.Description, "schema", b.schemas.schema(na.Attribute)))
		}
		o.set("headers", hs)
	}
	if r.Cookies != nil && r.Cookies.Len() > 0 {
		// OpenAPI has no field for the cookies a response sets: the
		// Set-Cookie header documents them.
		var names []string
		for _, na := range *r.Cookies.Object() {
			names = append(names, r.Cookies.ElemName(na.Name))
		}
		hs, _ := o.get("headers").(*object)
		if hs == nil {
			hs = obj()
			o.set("headers", hs)
		}
		hs.set("Set-Cookie", obj("description", "Sets the cookies "+strings.Join(names, ", ")+".", "schema", obj("type", "string")))
	}
	if r.Body != nil && !expr.IsEmpty(r.Body.Type) {
		var sc *object
		switch _, anon := r.Body.Type.(*expr.Object); {
		case r.Body == m.Result:
			sc = b.schemas.method(m, m.Result, "Result")
		case anon:
			sc = b.schemas.named(codegen.Goify(m.Name, true)+strconv.Itoa(r.StatusCode)+"ResponseBody", m.Service.Name, r.Body)
		default:
			sc = b.schemas.schema(r.Body)
		}
		o.set("content", obj("application/json", obj("schema", sc)))
	}
	return o
}

// errorResponses adds the design errors of e, grouped by status code.
func (b *openAPIBuilder) errorResponses(e *expr.HTTPEndpointExpr, responses *object) {
	type group struct {
		descs   []string
		schemas []any
	}
	groups := map[int]*group{}
	var codes []int
	for _, he := range e.HTTPErrors {
		if he.Response == nil || he.ErrorExpr == nil {
			continue
		}
		code := he.Response.StatusCode
		g := groups[code]
		if g == nil {
			g = &group{}
			groups[code] = g
			codes = append(codes, code)
		}
		d := he.Name
		if he.ErrorExpr.Description != "" {
			d += ": " + he.ErrorExpr.Description
		}
		g.descs = append(g.descs, d)
		if he.ErrorExpr.AttributeExpr != nil && !expr.IsEmpty(he.ErrorExpr.Type) {
			g.schemas = append(g.schemas, b.schemas.schema(he.ErrorExpr.AttributeExpr))
		}
	}
	for _, code := range codes {
		g := groups[code]
		key := strconv.Itoa(code)
		if responses.get(key) != nil {
			continue
		}
		o := obj("description", strings.Join(g.descs, "; "))
		switch len(g.schemas) {
		case 0:
		case 1:
			o.set("content", obj("application/json", obj("schema", g.schemas[0])))
		default:
			o.set("content", obj("application/json", obj("schema", obj("oneOf", g.schemas))))
		}
		o.set("headers", obj("goa-error", obj("description", "Name of the design error.", "schema", obj("type", "string"))))
		responses.set(key, o)
	}
}
