package expr

// DefaultView is the name of the view every result type has.
const DefaultView = "default"

// ResultTypeExpr is a type declared with ResultType: a user type with views.
type ResultTypeExpr struct {
	*UserTypeExpr
	// Identifier is the media type identifier given to ResultType
	// ("application/vnd.chat.event").
	Identifier string
	// Views are the views, in declaration order. After Finalize there is
	// always a "default" view.
	Views []*ViewExpr
}

// Kind returns ResultTypeKind.
func (*ResultTypeExpr) Kind() Kind { return ResultTypeKind }

// View returns the view with the given name or nil.
func (r *ResultTypeExpr) View(name string) *ViewExpr {
	if r == nil {
		return nil
	}
	for _, v := range r.Views {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// HasMultipleViews reports whether the result type has more than one view,
// in which case a result stream offers SetView.
func (r *ResultTypeExpr) HasMultipleViews() bool { return r != nil && len(r.Views) > 1 }

// RenderedByEveryView returns, for a result type with several views, a
// filter keeping only the attribute names every view renders (a document
// or client then requires an attribute only if a message in any view has
// it); it returns nil for any other type: every attribute counts.
func RenderedByEveryView(ut UserType) func(name string) bool {
	rt, ok := ut.(*ResultTypeExpr)
	if !ok || !rt.HasMultipleViews() {
		return nil
	}
	return func(name string) bool {
		for _, v := range rt.Views {
			if o := AsObject(v.Type); o != nil && o.Attribute(name) == nil {
				return false
			}
		}
		return true
	}
}

// ViewExpr is a view of a result type: the subset of its attributes to
// render.
type ViewExpr struct {
	// AttributeExpr's Type is an *Object with the view's attributes (each
	// the parent's attribute of the same name after Finalize).
	*AttributeExpr
	// Name is the view name.
	Name string
	// Parent is the result type the view belongs to.
	Parent *ResultTypeExpr
}

// ErrorResultIdentifier is the identifier of ErrorResult.
const ErrorResultIdentifier = "application/vnd.goa.error"

// ErrorResult is the type of Error("name") when no type is given: Goa's
// error result with name, id, message, temporary, timeout and fault.
var ErrorResult = newErrorResult()

func newErrorResult() *ResultTypeExpr {
	obj := &Object{
		{Name: "name", Attribute: &AttributeExpr{Type: String, Description: "Name is the name of this class of errors.", Meta: MetaExpr{"struct:error:name": nil}}},
		{Name: "id", Attribute: &AttributeExpr{Type: String, Description: "ID is a unique identifier for this particular occurrence of the problem."}},
		{Name: "message", Attribute: &AttributeExpr{Type: String, Description: "Message is a human-readable explanation specific to this occurrence of the problem."}},
		{Name: "temporary", Attribute: &AttributeExpr{Type: Boolean, Description: "Is the error temporary?"}},
		{Name: "timeout", Attribute: &AttributeExpr{Type: Boolean, Description: "Is the error a timeout?"}},
		{Name: "fault", Attribute: &AttributeExpr{Type: Boolean, Description: "Is the error a server-side fault?"}},
	}
	rt := &ResultTypeExpr{
		UserTypeExpr: &UserTypeExpr{
			AttributeExpr: &AttributeExpr{
				Type:        obj,
				Description: "Error response result type",
				Validation:  &ValidationExpr{Required: []string{"name", "id", "message", "temporary", "timeout", "fault"}},
			},
			TypeName: "error",
		},
		Identifier: ErrorResultIdentifier,
	}
	rt.Views = []*ViewExpr{{AttributeExpr: &AttributeExpr{Type: obj}, Name: DefaultView, Parent: rt}}
	return rt
}
