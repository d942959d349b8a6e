package expr

import "fmt"

// Prepare resolves what the DSL left by name (Extend, Reference, attributes
// named in views, attributes declared without a type) and applies the
// defaults validation relies on: empty payloads and results, inherited
// errors and security requirements, default views. eval.RunDSL calls it
// after running the DSL.
func (r *RootExpr) Prepare() []*Error {
	p := &preparer{root: r, done: map[*AttributeExpr]bool{}}
	if r.API.Name == "" {
		r.API.Name = "api"
	}
	for _, ut := range r.Types {
		p.resolve(ut.Attribute())
	}
	for _, ut := range r.ResultTypes {
		p.resolve(ut.Attribute())
	}
	for _, s := range r.Services {
		for _, e := range s.Errors {
			p.resolve(e.AttributeExpr)
		}
		for _, m := range s.Methods {
			p.prepareMethod(m)
			p.prepareInterceptors(m)
		}
	}
	for _, e := range r.API.Errors {
		p.resolve(e.AttributeExpr)
	}
	// Views of plain result types first: collections copy them.
	for _, ut := range r.ResultTypes {
		if rt, ok := ut.(*ResultTypeExpr); ok && AsArray(rt.Type) == nil {
			p.prepareViews(rt)
		}
	}
	for _, ut := range r.ResultTypes {
		if rt, ok := ut.(*ResultTypeExpr); ok && AsArray(rt.Type) != nil {
			p.prepareCollectionViews(rt)
		}
	}
	return p.errs
}

type preparer struct {
	root *RootExpr
	done map[*AttributeExpr]bool
	errs []*Error
}

func (p *preparer) errorf(pos Pos, format string, args ...any) {
	p.errs = append(p.errs, Errorf(pos, format, args...))
}

func (p *preparer) prepareMethod(m *MethodExpr) {
	if m.Payload == nil {
		m.Payload = &AttributeExpr{Type: Empty, Pos: m.Pos}
	}
	if m.Result == nil {
		m.Result = &AttributeExpr{Type: Empty, Pos: m.Pos}
	}
	if m.StreamingPayload == nil {
		m.StreamingPayload = &AttributeExpr{Type: Empty, Pos: m.Pos}
	}
	if m.Stream == 0 {
		m.Stream = NoStreamKind
	}
	p.resolve(m.Payload)
	p.resolve(m.Result)
	p.resolve(m.StreamingPayload)
	for _, e := range m.Errors {
		p.resolve(e.AttributeExpr)
	}
	// Inherit service then API errors, the method's own taking precedence.
	for _, list := range [][]*ErrorExpr{m.Service.Errors, p.root.API.Errors} {
		for _, e := range list {
			if m.Error(e.Name) == nil {
				m.Errors = append(m.Errors, e)
			}
		}
	}
	// Security: the method's own, else the service's, else the API's;
	// NoSecurity at any level stops the inheritance.
	switch {
	case len(m.Requirements) > 0:
	case len(m.Service.Requirements) > 0:
		m.Requirements = append([]*SecurityExpr(nil), m.Service.Requirements...)
	default:
		m.Requirements = append([]*SecurityExpr(nil), p.root.API.Requirements...)
	}
	if hasNoSecurity(m.Requirements) {
		m.Requirements = nil
	}
}

func hasNoSecurity(reqs []*SecurityExpr) bool {
	for _, r := range reqs {
		for _, s := range r.Schemes {
			if s.Kind == NoKind {
				return true
			}
		}
	}
	return false
}

// resolve applies Extend and Reference to att and its children, and gives
// String to attributes declared without a type.
func (p *preparer) resolve(att *AttributeExpr) {
	if att == nil || p.done[att] {
		return
	}
	p.done[att] = true
	for _, base := range att.Bases {
		if ut, ok := base.(UserType); ok {
			p.resolve(ut.Attribute())
		}
		bo := AsObject(base)
		if bo == nil {
			continue
		}
		if att.Type == nil {
			att.Type = &Object{}
		}
		obj, ok := att.Type.(*Object)
		if !ok {
			p.errorf(att.PosOf("Extend"), "Extend(%s) needs an object, the extended attribute has type %s", base.Name(), att.Type.Name())
			continue
		}
		for _, nat := range *bo {
			if obj.Attribute(nat.Name) == nil {
				obj.Set(nat.Name, nat.Attribute)
			}
		}
		for _, req := range requiredOf(base) {
			if att.Validation == nil {
				att.Validation = &ValidationExpr{}
			}
			if !contains(att.Validation.Required, req) {
				att.Validation.Required = append(att.Validation.Required, req)
			}
		}
	}
	if obj, ok := att.Type.(*Object); ok {
		for _, nat := range *obj {
			child := nat.Attribute
			if child.Type == nil {
				for _, ref := range att.References {
					if ut, ok := ref.(UserType); ok {
						p.resolve(ut.Attribute())
					}
					if ra := AsObject(ref).Attribute(nat.Name); ra != nil {
						inherit(child, ra)
						break
					}
				}
			}
			// References apply to nested inline objects too.
			if _, ok := child.Type.(*Object); ok && len(att.References) > 0 {
				for _, ref := range att.References {
					if ra := AsObject(ref).Attribute(nat.Name); ra != nil && AsObject(ra.Type) != nil {
						child.References = append(child.References, ra.Type)
					}
				}
			}
			p.resolve(child)
		}
	}
	if att.Type == nil {
		att.Type = String
	}
	switch t := att.Type.(type) {
	case *Array:
		p.resolve(t.ElemType)
	case *Map:
		p.resolve(t.KeyType)
		p.resolve(t.ElemType)
	case *Union:
		for _, nat := range t.Values {
			p.resolve(nat.Attribute)
			if ut, ok := nat.Attribute.Type.(UserType); ok {
				p.resolve(ut.Attribute()) // the types OneOf wraps variants in are not in Root.Types
			}
		}
	}
}

// inherit copies into att what the referenced attribute ref defines and
// att does not.
func inherit(att, ref *AttributeExpr) {
	att.Type = ref.Type
	if att.Description == "" {
		att.Description = ref.Description
	}
	if att.Validation == nil && ref.Validation != nil {
		v := *ref.Validation
		att.Validation = &v
	}
	if att.DefaultValue == nil {
		att.DefaultValue = ref.DefaultValue
	}
	if len(att.UserExamples) == 0 {
		att.UserExamples = ref.UserExamples
	}
	for k, v := range ref.Meta {
		if att.Meta == nil {
			att.Meta = MetaExpr{}
		}
		if _, ok := att.Meta[k]; !ok {
			att.Meta[k] = v
		}
	}
}

func requiredOf(dt DataType) []string {
	if ut, ok := dt.(UserType); ok && ut.Attribute() != nil {
		return ut.Attribute().AllRequired()
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// prepareViews resolves the attributes named in the views of rt and adds
// the default view when rt defines none.
func (p *preparer) prepareViews(rt *ResultTypeExpr) {
	obj := AsObject(rt.Type)
	for _, v := range rt.Views {
		vo, ok := v.Type.(*Object)
		if !ok || vo == nil {
			p.errorf(v.Pos, "view %q of result type %q: a view lists attributes of the result type with Attribute(\"name\")", v.Name, rt.TypeName)
			continue
		}
		resolved := &Object{}
		for _, nat := range *vo {
			pa := obj.Attribute(nat.Name)
			if pa == nil {
				p.errorf(nat.Attribute.Pos, "view %q of result type %q names attribute %q, which %q does not have: add Attribute(%q, ...) to the result type or remove it from the view%s",
					v.Name, rt.TypeName, nat.Name, rt.TypeName, nat.Name, p.usedBy(rt))
				continue
			}
			va := pa
			if name, ok := nat.Attribute.Meta.Last("view"); ok {
				dup := *pa
				dup.Meta = MetaExpr{}
				for k, val := range pa.Meta {
					dup.Meta[k] = val
				}
				dup.Meta["view"] = []string{name}
				va = &dup
			}
			resolved.Set(nat.Name, va)
		}
		v.Type = resolved
		if rt.Validation != nil {
			var req []string
			for _, r := range rt.Validation.Required {
				if resolved.Attribute(r) != nil {
					req = append(req, r)
				}
			}
			if len(req) > 0 {
				v.Validation = &ValidationExpr{Required: req}
			}
		}
	}
	if rt.View(DefaultView) == nil {
		all := &Object{}
		if obj != nil {
			*all = append(*all, *obj...)
		}
		dv := &ViewExpr{AttributeExpr: &AttributeExpr{Type: all, Pos: rt.Pos}, Name: DefaultView, Parent: rt}
		if rt.Validation != nil {
			dv.Validation = &ValidationExpr{Required: rt.Validation.Required}
		}
		rt.Views = append(rt.Views, dv)
	}
}

// prepareCollectionViews gives a CollectionOf result type the views of its
// element.
func (p *preparer) prepareCollectionViews(rt *ResultTypeExpr) {
	arr := AsArray(rt.Type)
	elem, ok := arr.ElemType.Type.(*ResultTypeExpr)
	if !ok {
		if rt.View(DefaultView) == nil {
			rt.Views = append(rt.Views, &ViewExpr{AttributeExpr: &AttributeExpr{Type: rt.Type, Pos: rt.Pos}, Name: DefaultView, Parent: rt})
		}
		return
	}
	for _, ev := range elem.Views {
		if rt.View(ev.Name) != nil {
			continue
		}
		rt.Views = append(rt.Views, &ViewExpr{
			AttributeExpr: &AttributeExpr{Type: &Array{ElemType: &AttributeExpr{Type: ev.Type, Validation: ev.Validation}}, Pos: rt.Pos},
			Name:          ev.Name,
			Parent:        rt,
		})
	}
}

// usedBy names the first method using the type, for error messages.
func (p *preparer) usedBy(ut UserType) string {
	if m := firstUser(p.root, ut); m != nil {
		return fmt.Sprintf(" (used by method %q of service %q)", m.Name, m.Service.Name)
	}
	return ""
}

// firstUser returns the first method whose payload, result, streaming
// payload or errors use ut, directly or nested.
func firstUser(r *RootExpr, ut UserType) *MethodExpr {
	for _, s := range r.Services {
		for _, m := range s.Methods {
			seen := map[DataType]bool{}
			for _, a := range []*AttributeExpr{m.Payload, m.Result, m.StreamingPayload} {
				if a != nil && uses(a.Type, ut, seen) {
					return m
				}
			}
			for _, e := range m.Errors {
				if uses(e.Type, ut, seen) {
					return m
				}
			}
		}
	}
	return nil
}

func uses(dt DataType, ut UserType, seen map[DataType]bool) bool {
	if dt == nil {
		return false
	}
	if dt == DataType(ut) {
		return true
	}
	switch t := dt.(type) {
	case UserType:
		if seen[t] || t.Attribute() == nil {
			return false
		}
		seen[t] = true
		return uses(t.Attribute().Type, ut, seen)
	case *Array:
		return t.ElemType != nil && uses(t.ElemType.Type, ut, seen)
	case *Map:
		return (t.KeyType != nil && uses(t.KeyType.Type, ut, seen)) || (t.ElemType != nil && uses(t.ElemType.Type, ut, seen))
	case *Object:
		for _, nat := range *t {
			if uses(nat.Attribute.Type, ut, seen) {
				return true
			}
		}
	case *Union:
		for _, nat := range t.Values {
			if uses(nat.Attribute.Type, ut, seen) {
				return true
			}
		}
	}
	return false
}
