package expr

import "fmt"

// InterceptorExpr is an interceptor declared with Interceptor: code the
// user writes that runs around the endpoint of the methods it is applied to
// (ServerInterceptor, ClientInterceptor), with typed access to the
// attributes it names.
type InterceptorExpr struct {
	// Name is the interceptor name.
	Name string
	// Description documents the interceptor.
	Description string
	// ReadPayload … WriteStreamingResult list the attributes the
	// interceptor reads or writes (an object whose attribute names are
	// those of the payload, result, streaming payload or streamed result);
	// nil when it names none.
	ReadPayload, WritePayload                   *AttributeExpr
	ReadResult, WriteResult                     *AttributeExpr
	ReadStreamingPayload, WriteStreamingPayload *AttributeExpr
	ReadStreamingResult, WriteStreamingResult   *AttributeExpr
	// Pos is where Interceptor was called.
	Pos Pos
}

// Interceptor returns the interceptor with the given name or nil.
func (r *RootExpr) Interceptor(name string) *InterceptorExpr {
	for _, i := range r.Interceptors {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// prepareInterceptors appends the interceptors of the service, then those
// of the API, to the method's, skipping names already there: Goa's
// precedence (method > service > API).
func (p *preparer) prepareInterceptors(m *MethodExpr) {
	m.ServerInterceptors = mergeInterceptors(m.ServerInterceptors, m.Service.ServerInterceptors, p.root.API.ServerInterceptors)
	m.ClientInterceptors = mergeInterceptors(m.ClientInterceptors, m.Service.ClientInterceptors, p.root.API.ClientInterceptors)
}

func mergeInterceptors(levels ...[]*InterceptorExpr) []*InterceptorExpr {
	var res []*InterceptorExpr
	seen := map[string]bool{}
	for _, l := range levels {
		for _, i := range l {
			if !seen[i.Name] {
				seen[i.Name] = true
				res = append(res, i)
			}
		}
	}
	return res
}

// interceptors checks that the interceptors applied to m can be: each
// attribute they name exists in the value it names it in, and the value
// streams when the interceptor reads a stream (Goa's rules).
func (v *validator) interceptors(m *MethodExpr) {
	seen := map[*InterceptorExpr]bool{}
	for _, list := range [][]*InterceptorExpr{m.ServerInterceptors, m.ClientInterceptors} {
		for _, i := range list {
			if seen[i] {
				continue
			}
			seen[i] = true
			v.interceptor(m, i)
		}
	}
}

func (v *validator) interceptor(m *MethodExpr, i *InterceptorExpr) {
	fail := func(format string, args ...any) {
		v.errorf(m.Pos, "%s: interceptor %q (declared at %s) %s", methodContext(m), i.Name, i.Pos, fmt.Sprintf(format, args...))
	}
	check := func(what string, target *AttributeExpr, accesses ...*AttributeExpr) {
		for _, a := range accesses {
			if a == nil {
				continue
			}
			if AsObject(target.Type) == nil {
				fail("cannot be applied: the method %s is not an object", what)
				return
			}
			obj := AsObject(a.Type)
			if obj == nil {
				fail("names the %s attributes with a type that is not an object: list them with Attribute", what)
				return
			}
			for _, nat := range *obj {
				if target.Find(nat.Name) == nil {
					fail("names %s attribute %q, which does not exist: fix the name or add the attribute", what, nat.Name)
				}
			}
		}
	}
	check("payload", m.Payload, i.ReadPayload, i.WritePayload)
	if i.ReadResult != nil || i.WriteResult != nil {
		if m.IsResultStreaming() {
			fail("reads or writes the result but the method streams its result: use ReadStreamingResult or WriteStreamingResult")
		} else {
			check("result", m.Result, i.ReadResult, i.WriteResult)
		}
	}
	if i.ReadStreamingPayload != nil || i.WriteStreamingPayload != nil {
		if !m.IsPayloadStreaming() {
			fail("reads or writes the streaming payload but the method has no StreamingPayload")
		} else {
			check("streaming payload", m.StreamingPayload, i.ReadStreamingPayload, i.WriteStreamingPayload)
		}
	}
	if i.ReadStreamingResult != nil || i.WriteStreamingResult != nil {
		if !m.IsResultStreaming() {
			fail("reads or writes the streaming result but the method has no StreamingResult")
		} else {
			check("streaming result", m.Result, i.ReadStreamingResult, i.WriteStreamingResult)
		}
	}
}
