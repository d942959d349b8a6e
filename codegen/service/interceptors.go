package service

import (
	"fmt"
	"slices"
	"strings"

	"duplex.dev/codegen"
	"duplex.dev/expr"
)

// interceptorData is one interceptor of a service: the ServerInterceptors
// or ClientInterceptors method, its <Name>Info type and accessors, and the
// wrappers of the endpoints it applies to (Goa's shape).
type interceptorData struct {
	Name        string // Go name, "Audit"
	DesignName  string
	Description string
	Methods     []*interceptorMethodData

	// The attributes the interceptor reads or writes, as the accessor
	// interfaces declare them.
	ReadPayload, WritePayload                   []*accessField
	ReadResult, WriteResult                     []*accessField
	ReadStreamingPayload, WriteStreamingPayload []*accessField
	ReadStreamingResult, WriteStreamingResult   []*accessField

	HasPayloadAccess, HasResultAccess                   bool
	HasStreamingPayloadAccess, HasStreamingResultAccess bool
}

// HasStreamingAccess reports whether the interceptor runs on every message
// of the streams it applies to.
func (i *interceptorData) HasStreamingAccess() bool {
	return i.HasStreamingPayloadAccess || i.HasStreamingResultAccess
}

// HasAccessors reports whether the interceptor has typed accessors.
func (i *interceptorData) HasAccessors() bool {
	return i.HasPayloadAccess || i.HasResultAccess || i.HasStreamingAccess()
}

// accessField is an attribute an interceptor reads or writes.
type accessField struct {
	Name    string // Go field name
	TypeRef string // type the accessor returns or takes
	Pointer bool   // the field is a pointer to TypeRef
}

// interceptorMethodData is a method an interceptor applies to.
type interceptorMethodData struct {
	*methodData
	// Private types implementing the accessor interfaces, "" when none.
	PayloadAccess, ResultAccess, StreamingPayloadAccess, StreamingResultAccess string
	// Streamed values: what the client sends, what the server sends.
	StreamingPayloadRef, StreamingResultRef string
	// The fields the accessors of this method read and write.
	ReadPayload, WritePayload                   []*accessField
	ReadResult, WriteResult                     []*accessField
	ReadStreamingPayload, WriteStreamingPayload []*accessField
	ReadStreamingResult, WriteStreamingResult   []*accessField
}

// interceptors fills the interceptor data of the service from the merged
// method lists (see expr.MethodExpr.ServerInterceptors). As in Goa, the
// interceptors of a method are applied in the order of their names: the
// one whose name sorts last wraps the others and runs first.
func (b *builder) interceptors(s *expr.ServiceExpr) {
	d := b.data
	d.ServerInterceptors = b.sideInterceptors(s, false)
	d.ClientInterceptors = b.sideInterceptors(s, true)
	server := map[string]bool{}
	for _, i := range d.ServerInterceptors {
		server[i.DesignName] = true
		d.ServerInfos = append(d.ServerInfos, i)
	}
	for _, i := range d.ClientInterceptors {
		if !server[i.DesignName] {
			d.ClientInfos = append(d.ClientInfos, i)
		}
	}
	// An interceptor on both sides has one Info type: its accessors cover
	// the methods of both.
	for _, ci := range d.ClientInterceptors {
		for _, si := range d.ServerInterceptors {
			if si.DesignName != ci.DesignName {
				continue
			}
			for _, m := range ci.Methods {
				if !slices.ContainsFunc(si.Methods, func(x *interceptorMethodData) bool { return x.methodData == m.methodData }) {
					si.Methods = append(si.Methods, m)
				}
			}
		}
	}
	d.WrappedServerStreams = wrappedStreams(d.ServerInterceptors, func(m *methodData) *streamData { return m.ServerStream })
	d.WrappedClientStreams = wrappedStreams(d.ClientInterceptors, func(m *methodData) *streamData { return m.ClientStream })
}

func (b *builder) sideInterceptors(s *expr.ServiceExpr, client bool) []*interceptorData {
	byName := map[string]*interceptorData{}
	var all []*interceptorData
	for k, m := range s.Methods {
		md := b.data.Methods[k]
		list := m.ServerInterceptors
		if client {
			list = m.ClientInterceptors
		}
		for _, ie := range list {
			i := byName[ie.Name]
			if i == nil {
				i = &interceptorData{Name: codegen.Goify(ie.Name, true), DesignName: ie.Name, Description: ie.Description}
				byName[ie.Name] = i
				all = append(all, i)
			}
			i.Methods = append(i.Methods, b.interceptorMethod(ie, i, m, md))
		}
	}
	slices.SortFunc(all, func(x, y *interceptorData) int { return strings.Compare(x.DesignName, y.DesignName) })
	for _, i := range all {
		for _, m := range i.Methods {
			if client {
				m.ClientInterceptors = append(m.ClientInterceptors, i.Name)
			} else {
				m.ServerInterceptors = append(m.ServerInterceptors, i.Name)
			}
		}
	}
	return all
}

// interceptorMethod builds the accessors of interceptor ie for method m and
// sets those of the interface (i) from the first method; a later method
// whose attribute has another Go type is a design error, since one
// interface method cannot return both.
func (b *builder) interceptorMethod(ie *expr.InterceptorExpr, i *interceptorData, m *expr.MethodExpr, md *methodData) *interceptorMethodData {
	im := &interceptorMethodData{methodData: md}
	if md.ServerStream != nil {
		im.StreamingPayloadRef = md.ServerStream.RecvRef
		im.StreamingResultRef = md.ServerStream.SendRef
	}
	prefix := codegen.Goify(ie.Name, false) + md.GoName
	type access struct {
		att            *expr.AttributeExpr
		target         *expr.AttributeExpr
		mfield, ifield *[]*accessField
		has            *bool
		accessName     *string
		accessSuffix   string
	}
	for _, a := range []access{
		{ie.ReadPayload, m.Payload, &im.ReadPayload, &i.ReadPayload, &i.HasPayloadAccess, &im.PayloadAccess, "Payload"},
		{ie.WritePayload, m.Payload, &im.WritePayload, &i.WritePayload, &i.HasPayloadAccess, &im.PayloadAccess, "Payload"},
		{ie.ReadResult, m.Result, &im.ReadResult, &i.ReadResult, &i.HasResultAccess, &im.ResultAccess, "Result"},
		{ie.WriteResult, m.Result, &im.WriteResult, &i.WriteResult, &i.HasResultAccess, &im.ResultAccess, "Result"},
		{ie.ReadStreamingPayload, m.StreamingPayload, &im.ReadStreamingPayload, &i.ReadStreamingPayload, &i.HasStreamingPayloadAccess, &im.StreamingPayloadAccess, "StreamingPayload"},
		{ie.WriteStreamingPayload, m.StreamingPayload, &im.WriteStreamingPayload, &i.WriteStreamingPayload, &i.HasStreamingPayloadAccess, &im.StreamingPayloadAccess, "StreamingPayload"},
		{ie.ReadStreamingResult, m.Result, &im.ReadStreamingResult, &i.ReadStreamingResult, &i.HasStreamingResultAccess, &im.StreamingResultAccess, "StreamingResult"},
		{ie.WriteStreamingResult, m.Result, &im.WriteStreamingResult, &i.WriteStreamingResult, &i.HasStreamingResultAccess, &im.StreamingResultAccess, "StreamingResult"},
	} {
		if a.att == nil {
			continue
		}
		*a.accessName = prefix + a.accessSuffix
		*a.has = true
		obj := expr.AsObject(a.att.Type)
		if obj == nil {
			continue // expr validation reported it
		}
		target := a.target
		if ut, ok := target.Type.(expr.UserType); ok {
			target = ut.Attribute()
		}
		for _, nat := range *obj {
			att := target.Find(nat.Name)
			if att == nil {
				continue
			}
			f := &accessField{
				Name:    codegen.GoFieldName(nat.Name),
				TypeRef: codegen.GoTypeRef(att.Type, ""),
				Pointer: codegen.IsPrimitiveValue(att.Type) && codegen.IsPointerField(target, nat.Name),
			}
			*a.mfield = append(*a.mfield, f)
		}
		if a.accessSuffix == "Result" && md.ViewedNew != "" {
			b.errors = append(b.errors, fmt.Errorf("%s: method %s: interceptor %q reads or writes the result, which has views: the endpoint returns the projected result; remove ReadResult/WriteResult or the views", m.Pos, m.Name, ie.Name))
		}
		if len(i.Methods) == 0 {
			*a.ifield = *a.mfield
			continue
		}
		for k, f := range *a.mfield {
			if k < len(*a.ifield) && (*a.ifield)[k].TypeRef != f.TypeRef {
				b.errors = append(b.errors, fmt.Errorf("%s: method %s: interceptor %q accesses attribute %q as %s, but as %s in method %s: one accessor cannot have both types", m.Pos, m.Name, ie.Name, f.Name, f.TypeRef, (*a.ifield)[k].TypeRef, i.Methods[0].Name))
			}
		}
	}
	return im
}

// wrappedStreams returns the streams of the methods streaming interceptors
// apply to, once each.
func wrappedStreams(ints []*interceptorData, stream func(*methodData) *streamData) []*streamData {
	var res []*streamData
	for _, i := range ints {
		if !i.HasStreamingAccess() {
			continue
		}
		for _, m := range i.Methods {
			if s := stream(m.methodData); s != nil && !slices.Contains(res, s) {
				res = append(res, s)
			}
		}
	}
	return res
}

// dict builds a map from key, value pairs, for templates that pass several
// values to a named template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// interceptorNames adds the exported names the interceptor files declare to
// taken, for checkNames.
func (b *builder) interceptorNames(taken map[string]string) {
	d := b.data
	if len(d.ServerInterceptors) > 0 {
		taken["ServerInterceptors"] = "ServerInterceptors interface"
	}
	if len(d.ClientInterceptors) > 0 {
		taken["ClientInterceptors"] = "ClientInterceptors interface"
	}
	goNames := map[string]string{}
	for _, list := range [][]*interceptorData{d.ServerInterceptors, d.ClientInterceptors} {
		for _, i := range list {
			if other, ok := goNames[i.Name]; ok && other != i.DesignName {
				b.errors = append(b.errors, fmt.Errorf("service %s: interceptors %q and %q both become the Go name %s: rename one", b.svc.Name, other, i.DesignName, i.Name))
			}
			goNames[i.Name] = i.DesignName
			what := "declaration of interceptor " + strconvQuote(i.DesignName)
			for _, suffix := range []string{"Info", "Payload", "Result", "StreamingPayload", "StreamingResult"} {
				taken[i.Name+suffix] = what
			}
		}
	}
	for _, m := range d.Methods {
		if len(m.ServerInterceptors) > 0 {
			taken["Wrap"+m.GoName+"Endpoint"] = "interceptor wrapper of method " + strconvQuote(m.Name)
		}
		if len(m.ClientInterceptors) > 0 {
			taken["Wrap"+m.GoName+"ClientEndpoint"] = "interceptor wrapper of method " + strconvQuote(m.Name)
		}
	}
}
