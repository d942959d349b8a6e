package openapi

import (
	"fmt"
	"slices"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// AsyncAPI returns the AsyncAPI 3.0 document of root's streaming methods,
// or nil when the design has none. Operations take the server's point of
// view: "receive" for the messages a client sends, "send" for those the
// server sends.
func AsyncAPI(root *expr.RootExpr) *Document {
	if root.API.HTTP == nil {
		return nil
	}
	sch := newSchemas()
	sch.stringDiscriminator = true
	creds := newCredentials()
	channels, operations, messages := obj(), obj(), obj()
	for _, hs := range root.API.HTTP.Services {
		for _, e := range hs.Endpoints {
			if !e.MethodExpr.IsStreaming() || len(e.Routes) == 0 {
				continue
			}
			addStream(root, e, sch, creds, channels, operations, messages)
			if e.MethodExpr.EventStream(root.API) {
				addEventStream(root, e, nil, channels, operations, messages)
			} else if goa := e.GoaSSE(root.API); goa != nil {
				addEventStream(root, e, goa, channels, operations, messages)
			}
		}
	}
	if channels.len() == 0 {
		return nil
	}
	schemes := obj()
	for _, c := range creds.list {
		schemes.set(c.key, c.schemeObject("availableScopes", "httpApiKey"))
	}
	return &Document{obj(
		"asyncapi", "3.0.0",
		"info", info(root.API),
		"servers", servers(root.API, true),
		"defaultContentType", "application/json",
		"channels", channels,
		"operations", operations,
		"components", obj(
			"schemas", nonEmpty(sch.defs),
			"messages", messages,
			"securitySchemes", nonEmpty(schemes),
		),
	)}
}

// channelName is the AsyncAPI channel of a streaming endpoint: the method
// name, prefixed with the service name when the API has several services.
func channelName(root *expr.RootExpr, e *expr.HTTPEndpointExpr) string {
	name := e.Name()
	if len(root.Services) > 1 {
		name = e.Service.Name() + "_" + name
	}
	return serverKey(name)
}

func addStream(root *expr.RootExpr, e *expr.HTTPEndpointExpr, sch *schemas, creds *credentials, channels, operations, messages *object) {
	m := e.MethodExpr
	name := channelName(root, e)
	goName := codegen.Goify(name, true)
	address := openAPIPath(e.Routes[0].FullPath())
	ch := obj("address", address, "title", m.Name, "description", m.Description)

	chMsgs := obj()
	var in, out []any // message references of the receive and send operations
	msgRef := func(key string) *object { return obj("$ref", "#/channels/"+name+"/messages/"+key) }
	if m.IsPayloadStreaming() {
		key := goName + "StreamingPayload"
		messages.set(key, obj(
			"name", key,
			"title", m.Name+" message",
			"summary", "A message the client sends on the "+m.Name+" stream.",
			"contentType", "application/json",
			"payload", sch.method(m, m.StreamingPayload, "StreamingPayload"),
		))
		end := goName + "End"
		messages.set(end, obj(
			"name", end,
			"title", m.Name+" end of stream",
			"summary", "JSON null: the client is done sending; the server may still send.",
			"contentType", "application/json",
			"payload", obj("type", "null"),
		))
		for _, k := range []string{key, end} {
			chMsgs.set(k, obj("$ref", "#/components/messages/"+k))
			in = append(in, msgRef(k))
		}
	}
	if !expr.IsEmpty(m.Result.Type) {
		key := goName + "Result"
		summary := "A message the server sends on the " + m.Name + " stream."
		if !m.IsResultStreaming() {
			summary = "The result the server sends once the client ended its stream, before closing with 1000."
		}
		msg := obj(
			"name", key,
			"title", m.Name+" result",
			"summary", summary,
			"contentType", "application/json",
			"payload", sch.method(m, m.Result, "Result"),
		)
		if rt, ok := m.Result.Type.(*expr.ResultTypeExpr); ok && rt.HasMultipleViews() {
			var views []string
			for _, v := range rt.Views {
				views = append(views, v.Name)
			}
			msg.set("description", "Rendered in one of the views "+strings.Join(views, ", ")+
				"; attributes a view leaves out are absent.")
		}
		messages.set(key, msg)
		chMsgs.set(key, obj("$ref", "#/components/messages/"+key))
		out = append(out, msgRef(key))
	}
	ch.set("messages", chMsgs)

	// Path parameters: AsyncAPI parameters carry no schema, so the
	// validations go into the description and enum.
	params := obj()
	for _, w := range expr.ExtractWildcards(address) {
		att := e.Params.Find(e.Params.AttributeName(w))
		if att == nil {
			att = e.Params.Find(w)
		}
		p := obj()
		if att != nil {
			desc := att.Description
			if v := att.Validation; v != nil && v.Pattern != "" {
				desc = strings.TrimSpace(desc + " Must match " + v.Pattern + ".")
			}
			p.set("description", desc)
			if v := att.Validation; v != nil {
				var enum []any
				for _, x := range v.Values {
					enum = append(enum, fmt.Sprint(x))
				}
				p.set("enum", enum)
			}
			if att.DefaultValue != nil {
				p.set("default", fmt.Sprint(att.DefaultValue))
			}
		}
		params.set(w, p)
	}
	ch.set("parameters", nonEmpty(params))

	binding := obj("method", "GET")
	wild := expr.ExtractWildcards(address)
	query := bindingSchema(e.Params, sch, func(name, elem string) bool {
		return !slices.Contains(wild, elem) && !slices.Contains(wild, name)
	})
	headers := bindingSchema(e.Headers, sch, func(string, string) bool { return true })
	ws := e.WebSocket
	var subs []any
	if ws != nil {
		for _, s := range ws.Subprotocols {
			subs = append(subs, s)
		}
		if ws.Resumable {
			subs = append(subs, "duplex.v1")
		}
	}
	if len(subs) > 0 {
		if headers == nil {
			headers = obj("type", "object", "properties", obj())
		}
		var names []string
		for _, s := range subs {
			names = append(names, s.(string))
		}
		headers.get("properties").(*object).set("Sec-WebSocket-Protocol", obj(
			"type", "string",
			"description", "Subprotocols the client speaks, in order of preference, among: "+strings.Join(names, ", ")+".",
		))
	}
	binding.set("query", query)
	binding.set("headers", headers)
	binding.set("bindingVersion", "0.1.0")
	ch.set("bindings", obj("ws", binding))
	if ws != nil {
		ch.set("x-duplex-subprotocols", subs)
		ch.set("x-duplex-websocket", webSocketExtension(e))
	}
	channels.set(name, ch)

	var security []any
	for _, req := range creds.of(e) {
		for _, c := range req {
			security = append(security, obj("$ref", "#/components/securitySchemes/"+c.key))
		}
	}
	chRef := obj("$ref", "#/channels/"+name)
	if len(in) > 0 {
		operations.set("receive"+goName, obj(
			"action", "receive",
			"channel", chRef,
			"title", "Receive "+m.Name+" messages",
			"summary", "Messages a client sends on the "+m.Name+" stream; a JSON null ends its side.",
			"security", security,
			"messages", in,
		))
	}
	if len(out) > 0 {
		operations.set("send"+goName, obj(
			"action", "send",
			"channel", chRef,
			"title", "Send "+m.Name+" results",
			"summary", "Messages the server sends on the "+m.Name+" stream.",
			"security", security,
			"messages", out,
		))
	}
}

// bindingSchema returns the object schema of the query parameters or
// headers of a WebSocket upgrade, or nil when there is none.
func bindingSchema(m *expr.MappedAttributeExpr, sch *schemas, keep func(name, elem string) bool) *object {
	if m == nil || m.Len() == 0 {
		return nil
	}
	props := obj()
	var req []any
	for _, na := range *m.Object() {
		elem := m.ElemName(na.Name)
		if !keep(na.Name, elem) {
			continue
		}
		sc := sch.schema(na.Attribute)
		if sc.get("$ref") == nil && sc.get("description") == nil {
			sc.set("description", na.Attribute.Description)
		}
		props.set(elem, sc)
		if m.IsRequired(na.Name) {
			req = append(req, elem)
		}
	}
	if props.len() == 0 {
		return nil
	}
	return obj("type", "object", "properties", props, "required", req)
}
