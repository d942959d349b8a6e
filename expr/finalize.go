package expr

import "net/http"

// Finalize fills in what generators rely on: a default server, HTTP
// services and endpoints in declaration order, endpoint params and headers
// bound to the payload attributes, request bodies, default responses and
// error responses, and WebSocket settings with defaults for streaming
// endpoints. eval.RunDSL calls it only when Validate found no error.
func (r *RootExpr) Finalize() {
	r.finalizeServers()
	r.API.Requirements = withoutNoSecurity(r.API.Requirements)
	for _, s := range r.Services {
		s.Requirements = withoutNoSecurity(s.Requirements)
	}
	h := r.API.HTTP
	var services []*HTTPServiceExpr
	for _, s := range r.Services {
		hs := h.Service(s.Name)
		if hs == nil {
			continue
		}
		var eps []*HTTPEndpointExpr
		for _, m := range s.Methods {
			if ep := hs.Endpoint(m.Name); ep != nil {
				r.finalizeEndpoint(ep)
				eps = append(eps, ep)
			}
		}
		hs.Endpoints = eps
		services = append(services, hs)
	}
	h.Services = services
}

func withoutNoSecurity(reqs []*SecurityExpr) []*SecurityExpr {
	if hasNoSecurity(reqs) {
		return nil
	}
	return reqs
}

func (r *RootExpr) finalizeServers() {
	var all []string
	for _, s := range r.Services {
		all = append(all, s.Name)
	}
	if len(r.API.Servers) == 0 {
		r.API.Servers = []*ServerExpr{{
			Name:        r.API.Name,
			Description: "Default server for " + r.API.Name,
			Services:    all,
			Hosts:       []*HostExpr{{Name: "localhost", URIs: []string{"http://localhost:80"}}},
			Pos:         r.API.Pos,
		}}
		return
	}
	for _, srv := range r.API.Servers {
		if len(srv.Services) == 0 {
			srv.Services = append([]string(nil), all...)
		}
	}
}

func (r *RootExpr) finalizeEndpoint(ep *HTTPEndpointExpr) {
	m := ep.MethodExpr
	payloadObj := AsObject(m.Payload.Type)
	bind := func(ma *MappedAttributeExpr) {
		for _, nat := range *ma.Object() {
			var pa *AttributeExpr
			if payloadObj != nil {
				pa = payloadObj.Attribute(nat.Name)
			} else if !IsEmpty(m.Payload.Type) {
				pa = m.Payload
			}
			if pa == nil {
				continue
			}
			nat.Attribute = pa
			if m.Payload.IsRequired(nat.Name) || (payloadObj == nil && !IsEmpty(m.Payload.Type)) {
				if ma.Validation == nil {
					ma.Validation = &ValidationExpr{}
				}
				if !contains(ma.Validation.Required, nat.Name) {
					ma.Validation.Required = append(ma.Validation.Required, nat.Name)
				}
			}
		}
	}
	if ep.Params == nil {
		ep.Params = NewMappedAttributeExpr()
	}
	if ep.Headers == nil {
		ep.Headers = NewMappedAttributeExpr()
	}
	if ep.Cookies == nil {
		ep.Cookies = NewMappedAttributeExpr()
	}
	// Path wildcards are params even without Param.
	for _, rt := range ep.Routes {
		for _, w := range rt.Params() {
			if ep.Params.Find(w) == nil {
				ep.Params.Add(w, w, &AttributeExpr{Pos: rt.Pos})
			}
		}
	}
	// Credentials not mapped explicitly travel in the Authorization header,
	// except basic auth user and password (decoded from that header).
	if payloadObj != nil {
		for _, nat := range *payloadObj {
			kind, _ := SecurityAttribute(nat.Attribute)
			switch kind {
			case "token", "apikey", "accesstoken":
				if ep.Params.Find(nat.Name) == nil && ep.Headers.Find(nat.Name) == nil && ep.Cookies.Find(nat.Name) == nil {
					ep.Headers.Add(nat.Name, "Authorization", nat.Attribute)
				}
			}
		}
	}
	bind(ep.Params)
	bind(ep.Headers)
	bind(ep.Cookies)
	// Path parameters are always present.
	for _, rt := range ep.Routes {
		for _, w := range rt.Params() {
			if ep.Params.Validation == nil {
				ep.Params.Validation = &ValidationExpr{}
			}
			if !contains(ep.Params.Validation.Required, w) {
				ep.Params.Validation.Required = append(ep.Params.Validation.Required, w)
			}
		}
	}

	if m.IsStreaming() {
		ep.Body = nil
		ws := ep.WebSocket
		if ws == nil {
			ws = &WebSocketExpr{Pos: ep.Pos}
			ep.WebSocket = ws
		}
		if ws.ReadLimit == 0 {
			ws.ReadLimit = DefaultReadLimit
		}
		if ws.HeartbeatInterval == 0 {
			ws.HeartbeatInterval = DefaultHeartbeatInterval
		}
		if ws.HeartbeatTimeout == 0 {
			ws.HeartbeatTimeout = DefaultHeartbeatTimeout
		}
		if ws.SendQueue == 0 {
			ws.SendQueue = DefaultSendQueue
		}
		if ws.SlowConsumer == "" {
			ws.SlowConsumer = SlowConsumerDisconnect
		}
	} else {
		ep.Body = r.requestBody(ep)
	}

	if len(ep.Responses) == 0 {
		resp := &HTTPResponseExpr{StatusCode: http.StatusOK, Pos: ep.Pos}
		if IsEmpty(m.Result.Type) {
			resp.StatusCode = http.StatusNoContent
		}
		ep.Responses = []*HTTPResponseExpr{resp}
	}
	for _, resp := range ep.Responses {
		if resp.Body == nil && !IsEmpty(m.Result.Type) && !m.IsResultStreaming() {
			resp.Body = responseBody(m.Result, resp.Cookies)
		}
	}

	var errs []*HTTPErrorExpr
	for _, e := range m.Errors {
		he := findHTTPError(ep.HTTPErrors, e.Name)
		if he == nil {
			he = findHTTPError(ep.Service.HTTPErrors, e.Name)
		}
		if he == nil {
			he = findHTTPError(r.API.HTTP.HTTPErrors, e.Name)
		}
		if he == nil {
			he = &HTTPErrorExpr{Name: e.Name, Response: &HTTPResponseExpr{StatusCode: http.StatusBadRequest, Pos: e.Pos}, Pos: e.Pos}
		}
		cp := *he
		cp.ErrorExpr = e
		resp := *cp.Response
		if resp.Body == nil {
			resp.Body = e.AttributeExpr
		}
		cp.Response = &resp
		errs = append(errs, &cp)
	}
	ep.HTTPErrors = errs
}

func findHTTPError(list []*HTTPErrorExpr, name string) *HTTPErrorExpr {
	for _, he := range list {
		if he.Name == name {
			return he
		}
	}
	return nil
}

// requestBody returns the body of a unary endpoint: what Body declared, or
// the payload attributes mapped to neither params nor headers (nil when
// none is left).
func (r *RootExpr) requestBody(ep *HTTPEndpointExpr) *AttributeExpr {
	m := ep.MethodExpr
	if IsEmpty(m.Payload.Type) {
		return nil
	}
	if b := ep.Body; b != nil {
		if name, ok := b.Meta.Last("origin:attribute"); ok {
			if pa := m.Payload.Find(name); pa != nil {
				body := *pa
				body.Meta = MetaExpr{"origin:attribute": {name}}
				for k, v := range pa.Meta {
					body.Meta[k] = v
				}
				return &body
			}
			return nil
		}
		if obj, ok := b.Type.(*Object); ok {
			for _, nat := range *obj {
				if pa := m.Payload.Find(nat.Name); pa != nil {
					nat.Attribute = pa
					if m.Payload.IsRequired(nat.Name) {
						if b.Validation == nil {
							b.Validation = &ValidationExpr{}
						}
						b.Validation.Required = append(b.Validation.Required, nat.Name)
					}
				}
			}
		}
		return b
	}
	obj := AsObject(m.Payload.Type)
	if obj == nil {
		if ep.Params.Len()+ep.Headers.Len()+ep.Cookies.Len() > 0 {
			return nil
		}
		return m.Payload
	}
	rest := &Object{}
	var req []string
	for _, nat := range *obj {
		if ep.Params.Find(nat.Name) != nil || ep.Headers.Find(nat.Name) != nil || ep.Cookies.Find(nat.Name) != nil {
			continue
		}
		if k, _ := SecurityAttribute(nat.Attribute); k == "username" || k == "password" {
			continue
		}
		rest.Set(nat.Name, nat.Attribute)
		if m.Payload.IsRequired(nat.Name) {
			req = append(req, nat.Name)
		}
	}
	if len(*rest) == 0 {
		return nil
	}
	if len(*rest) == len(*obj) {
		return m.Payload
	}
	body := &AttributeExpr{Type: rest, Pos: m.Payload.Pos}
	if len(req) > 0 {
		body.Validation = &ValidationExpr{Required: req}
	}
	return body
}

// responseBody returns the body of a unary response: the result minus the
// attributes the response sets as cookies (nil when none is left).
func responseBody(result *AttributeExpr, cookies *MappedAttributeExpr) *AttributeExpr {
	if cookies == nil || cookies.Len() == 0 {
		return result
	}
	obj := AsObject(result.Type)
	if obj == nil {
		return nil // the whole result is the cookie
	}
	rest := &Object{}
	var req []string
	for _, nat := range *obj {
		if cookies.Find(nat.Name) != nil {
			continue
		}
		rest.Set(nat.Name, nat.Attribute)
		if result.IsRequired(nat.Name) {
			req = append(req, nat.Name)
		}
	}
	if len(*rest) == 0 {
		return nil
	}
	body := &AttributeExpr{Type: rest, Pos: result.Pos}
	if len(req) > 0 {
		body.Validation = &ValidationExpr{Required: req}
	}
	return body
}
