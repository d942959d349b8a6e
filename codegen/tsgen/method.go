package tsgen

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var wildcardRE = regexp.MustCompile(`{\*?([a-zA-Z0-9_]+)}`)

// method returns the Client method of endpoint e.
func (b *builder) method(e *expr.HTTPEndpointExpr) (string, error) {
	m := e.MethodExpr
	if len(e.Routes) == 0 {
		return "", fmt.Errorf("no HTTP route")
	}
	r := e.Routes[0]
	hasPayload := !expr.IsEmpty(m.Payload.Type)
	payloadObj := expr.AsObject(m.Payload.Type) != nil
	pt := b.methodType(m, m.Payload, "Payload")
	val := func(attName string) string {
		if payloadObj {
			return access("p", attName)
		}
		return "p"
	}

	// The path, with its wildcards filled from the payload.
	var pathErr error
	pathExpr := wildcardRE.ReplaceAllStringFunc(r.FullPath(), func(w string) string {
		name := wildcardRE.FindStringSubmatch(w)[1]
		attName := e.Params.AttributeName(name)
		if attName == "" {
			attName = name
		}
		if !hasPayload {
			pathErr = fmt.Errorf("path parameter %s has no payload attribute", name)
			return w
		}
		return "${encodeURIComponent(String(" + val(attName) + "))}"
	})
	if pathErr != nil {
		return "", pathErr
	}
	wild := expr.ExtractWildcards(r.FullPath())
	var query, headers []string
	if e.Params != nil && e.Params.AttributeExpr != nil {
		for _, na := range *e.Params.Object() {
			elem := e.Params.ElemName(na.Name)
			if slices.Contains(wild, elem) || slices.Contains(wild, na.Name) {
				continue
			}
			query = append(query, fmt.Sprintf("%s: %s", prop(elem), val(na.Name)))
		}
	}
	basicUser, basicPass := "", ""
	if payloadObj {
		for _, na := range *expr.AsObject(m.Payload.Type) {
			switch kind, _ := expr.SecurityAttribute(na.Attribute); kind {
			case "username":
				basicUser = na.Name
			case "password":
				basicPass = na.Name
			}
		}
	}
	inCookie := cookieAttributes(m, "Payload")
	if e.Headers != nil && e.Headers.AttributeExpr != nil {
		for _, na := range *e.Headers.Object() {
			elem := e.Headers.ElemName(na.Name)
			v := val(na.Name)
			kind, _ := expr.SecurityAttribute(na.Attribute)
			var h string
			switch {
			case (kind == "token" || kind == "accesstoken") && strings.EqualFold(elem, "Authorization"):
				h = fmt.Sprintf("%s === undefined ? undefined : duplex.bearer(%s)", v, v)
			default:
				h = fmt.Sprintf("%s === undefined ? undefined : String(%s)", v, v)
			}
			// A required attribute is always there, unless it may come
			// from a cookie the browser sends by itself instead.
			if (m.Payload.IsRequired(na.Name) && !inCookie[na.Name]) || !payloadObj {
				h = strings.SplitN(h, " : ", 2)[1]
			}
			headers = append(headers, fmt.Sprintf("%s: %s", prop(elem), h))
		}
	}
	if basicUser != "" && basicPass != "" {
		headers = append(headers, fmt.Sprintf("Authorization: duplex.basicAuth(%s, %s)", val(basicUser), val(basicPass)))
	}

	var req strings.Builder
	fmt.Fprintf(&req, "{ method: %s, path: `%s`", jsonString(r.Method), strings.ReplaceAll(pathExpr, "`", "\\`"))
	if len(query) > 0 {
		fmt.Fprintf(&req, ", query: { %s }", strings.Join(query, ", "))
	}
	if len(headers) > 0 {
		fmt.Fprintf(&req, ", headers: { %s }", strings.Join(headers, ", "))
	}
	if !m.IsStreaming() && e.Body != nil && !expr.IsEmpty(e.Body.Type) && hasPayload {
		switch origin, ok := e.Body.Meta.Last("origin:attribute"); {
		case e.Body == m.Payload || !payloadObj:
			req.WriteString(", body: p")
		case ok:
			fmt.Fprintf(&req, ", body: %s", access("p", origin))
		default:
			var fields []string
			for _, na := range *expr.AsObject(e.Body.Type) {
				fields = append(fields, fmt.Sprintf("%s: %s", prop(na.Name), access("p", na.Name)))
			}
			fmt.Fprintf(&req, ", body: { %s }", strings.Join(fields, ", "))
		}
	}
	req.WriteString(" }")

	name := codegen.Goify(m.Name, false)
	var s strings.Builder
	desc := m.Description
	if desc == "" {
		desc = fmt.Sprintf("Calls %s %s.", r.Method, r.FullPath())
		if m.IsStreaming() {
			desc = fmt.Sprintf("Opens the %s stream (GET %s).", m.Stream, r.FullPath())
		}
	}
	if m.IsStreaming() && e.WebSocket != nil && e.WebSocket.Resumable {
		desc += "\nResumable: reconnects continue the stream without loss when the server speaks duplex.v1."
	}
	if m.IsPayloadStreaming() {
		desc += "\nsend throws a ValidationError, without sending, for a message that breaks the design's rules."
	}
	s.WriteString(jsDoc("  ", desc))
	params := ""
	if hasPayload {
		params = "p: " + pt + ", "
	}
	checkPayload := ""
	if hasPayload {
		checkPayload = fmt.Sprintf("    if (this.t.validate) duplex.validate(p, %s, 'payload', schemas);\n", b.methodSchema(m, m.Payload, "Payload"))
	}
	switch m.Stream {
	case expr.NoStreamKind:
		rt := b.methodType(m, m.Result, "Result")
		fmt.Fprintf(&s, "  async %s(%soptions?: duplex.CallOptions): Promise<%s> {\n", name, params, rt)
		s.WriteString(checkPayload)
		if rt == "void" {
			fmt.Fprintf(&s, "    await this.t.unary(%s, options);\n  }\n", req.String())
			return s.String(), nil
		}
		fmt.Fprintf(&s, "    const res = await this.t.unary(%s, options);\n", req.String())
		fmt.Fprintf(&s, "    if (this.t.validate) duplex.validate(res, %s, 'result', schemas);\n", b.methodSchema(m, m.Result, "Result"))
		fmt.Fprintf(&s, "    return res as %s;\n  }\n", rt)
		return s.String(), nil
	}
	var ret, kind string
	var inT, outT string
	if m.IsPayloadStreaming() {
		outT = b.methodType(m, m.StreamingPayload, "StreamingPayload")
	}
	inT = b.methodType(m, m.Result, "Result")
	switch m.Stream {
	case expr.ClientStreamKind:
		ret, kind = fmt.Sprintf("duplex.ClientStream<%s, %s>", outT, inT), "client"
	case expr.ServerStreamKind:
		ret, kind = fmt.Sprintf("duplex.ServerStream<%s>", inT), "server"
		outT = "never"
	default:
		ret, kind = fmt.Sprintf("duplex.BidiStream<%s, %s>", outT, inT), "bidirectional"
	}
	ws := e.WebSocket
	subs := []string{}
	resumable := false
	if ws != nil {
		subs = append(subs, ws.Subprotocols...)
		resumable = ws.Resumable
	}
	if !hasPayload {
		fmt.Fprintf(&s, "  %s(options?: duplex.StreamOptions): %s {\n", name, ret)
		fmt.Fprintf(&s, "    return this.t.stream<%s, %s>({\n", outT, inT)
		fmt.Fprintf(&s, "      request: %s,\n", req.String())
	} else {
		// The request is a function of the payload so that a reconnection
		// can re-subscribe with another one (StreamOptions.resubscribe).
		fmt.Fprintf(&s, "  %s(p: %s, options?: duplex.StreamOptions<%s>): %s {\n", name, pt, pt, ret)
		fmt.Fprintf(&s, "    const check = this.t.validate ? (p: %s) => duplex.validate(p, %s, 'payload', schemas) : undefined;\n", pt, b.methodSchema(m, m.Payload, "Payload"))
		s.WriteString("    check?.(p);\n")
		fmt.Fprintf(&s, "    const request = (p: %s): duplex.Request => (%s);\n", pt, req.String())
		fmt.Fprintf(&s, "    return this.t.stream<%s, %s, %s>({\n", outT, inT, pt)
		s.WriteString("      request: request(p),\n      payload: p,\n      rebuild: request,\n      validatePayload: check,\n")
	}
	fmt.Fprintf(&s, "      subprotocols: %s,\n", jsonString(subs))
	fmt.Fprintf(&s, "      resumable: %v,\n", resumable)
	fmt.Fprintf(&s, "      kind: '%s',\n", kind)
	if m.EventStream(b.api) {
		// SSEFallback: the stream falls back to Server-Sent Events where
		// WebSocket upgrades fail.
		s.WriteString("      eventStream: true,\n")
	}
	if m.IsPayloadStreaming() {
		fmt.Fprintf(&s, "      validateOut: this.t.validate ? (m) => duplex.validate(m, %s, 'message', schemas) : undefined,\n", b.methodSchema(m, m.StreamingPayload, "StreamingPayload"))
	}
	if inT != "void" {
		fmt.Fprintf(&s, "      validateIn: this.t.validate ? (m) => duplex.validate(m, %s, 'result', schemas) : undefined,\n", b.methodSchema(m, m.Result, "Result"))
	}
	fmt.Fprintf(&s, "    }, options);\n  }\n")
	return s.String(), nil
}
