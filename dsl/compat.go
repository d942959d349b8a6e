package dsl

import (
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// This file holds the rest of Goa's DSL: documentation functions, which
// Duplex records as API metadata, and functions for features Duplex does
// not implement, which record a design error so that a Goa design using
// them compiles and is told what to change.

// docMeta records documentation in the API's Meta under key.
func docMeta(fn, key, val string) {
	api, ok := eval.Current().(*expr.APIExpr)
	if !ok {
		for _, e := range eval.Stack() {
			if a, isAPI := e.(*expr.APIExpr); isAPI {
				api, ok = a, true
			}
		}
	}
	if !ok {
		incompatible(fn, "API")
		return
	}
	if api.Meta == nil {
		api.Meta = expr.MetaExpr{}
	}
	api.Meta[key] = append(api.Meta[key], val)
}

// docBlock is the current Contact, License or Docs block.
type docBlock struct{ prefix string }

func docBlockDSL(fn, prefix string, dsl func()) {
	if _, ok := eval.Current().(*expr.HTTPFileServerExpr); ok && fn == "Docs" {
		return // Goa documents files with Docs; Duplex's documents do not list them
	}
	if _, ok := eval.Current().(*expr.APIExpr); !ok {
		incompatible(fn, "API")
		return
	}
	eval.Execute(dsl, &docBlock{prefix: prefix})
}

func docField(fn, field, val string) {
	b, ok := eval.Current().(*docBlock)
	if !ok {
		incompatible(fn, "Contact, License or Docs")
		return
	}
	docMeta(fn, b.prefix+field, val)
}

// Contact documents the API's contact (Name, Email, URL); Duplex records
// it in the API's Meta ("contact:name" ...).
func Contact(fn func()) { docBlockDSL("Contact", "contact:", fn) }

// License documents the API's license (Name, URL) in the API's Meta.
func License(fn func()) { docBlockDSL("License", "license:", fn) }

// Docs links external documentation (Description is not recorded; URL is)
// in the API's Meta.
func Docs(fn func()) { docBlockDSL("Docs", "docs:", fn) }

// TermsOfService records the API's terms of service in its Meta.
func TermsOfService(terms string) { docMeta("TermsOfService", "termsOfService", terms) }

// Name sets the name in Contact or License.
func Name(name string) { docField("Name", "name", name) }

// Email sets the email in Contact.
func Email(email string) { docField("Email", "email", email) }

// URL sets the URL in Contact, License or Docs.
func URL(url string) { docField("URL", "url", url) }

// Deprecated marks the endpoint deprecated in generated documents (Meta
// "openapi:deprecated"). It must appear in the HTTP block of a Method.
func Deprecated() {
	if _, ok := eval.Current().(*expr.HTTPEndpointExpr); !ok {
		incompatible("Deprecated", "the HTTP block of a Method")
		return
	}
	Meta("openapi:deprecated", "true")
}

// RemoveMeta removes metadata set with Meta.
func RemoveMeta(name string) {
	switch e := eval.Current().(type) {
	case *expr.APIExpr:
		delete(e.Meta, name)
	case *expr.ServiceExpr:
		delete(e.Meta, name)
	case *expr.MethodExpr:
		delete(e.Meta, name)
	case *expr.AttributeExpr:
		delete(e.Meta, name)
	case expr.UserType:
		if e.Attribute() != nil {
			delete(e.Attribute().Meta, name)
		}
	case *expr.HTTPEndpointExpr:
		delete(e.Meta, name)
	default:
		incompatible("RemoveMeta", "API, Service, Method, Type, Attribute or an HTTP block")
	}
}

// ArrayOfRequired is ArrayOf; Duplex's arrays never hold null elements.
func ArrayOfRequired(v any, fn ...func()) *expr.Array { return ArrayOf(v, fn...) }

// TRACE defines a TRACE route of the method.
func TRACE(path string) *expr.RouteExpr { return route("TRACE", path) }

// CONNECT defines a CONNECT route of the method.
func CONNECT(path string) *expr.RouteExpr { return route("CONNECT", path) }

// Params groups Param calls: Params(func() { Param("a"); Param("b") }).
// Mapping a whole type with Params(T) is not supported.
func Params(args any) { group("Params", "Param", args) }

// Headers groups Header calls: Headers(func() { Header("a") }). Mapping a
// whole type with Headers(T) is not supported.
func Headers(args any) { group("Headers", "Header", args) }

func group(fn, single string, args any) {
	f, ok := args.(func())
	if !ok {
		unsupported(fn+" with a type", "list the attributes with "+single+"(\"name\") instead")
		return
	}
	switch eval.Current().(type) {
	case *expr.HTTPEndpointExpr, *expr.HTTPResponseExpr:
		f()
	default:
		incompatible(fn, "the HTTP block of a Method")
	}
}

// MapParams exists for Goa compatibility; it records a design error.
func MapParams(args ...any) { unsupported("MapParams", "declare each query parameter with Param") }

// Consumes exists for Goa compatibility; Duplex speaks JSON, so it
// records a design error.
func Consumes(args ...string) { unsupported("Consumes", "Duplex encodes JSON; remove it") }

// Produces exists for Goa compatibility; Duplex speaks JSON, so it
// records a design error.
func Produces(args ...string) { unsupported("Produces", "Duplex encodes JSON; remove it") }

// ContentType exists for Goa compatibility; it records a design error.
func ContentType(typ string) { unsupported("ContentType", "Duplex encodes JSON; remove it") }

// Tag exists for Goa compatibility; it records a design error.
func Tag(name, value string) { unsupported("Tag", "use one success Response per method") }

// Parent exists for Goa compatibility; it records a design error.
func Parent(name string) { unsupported("Parent", "repeat the parent path in Path") }

// CanonicalMethod exists for Goa compatibility; it records a design error.
func CanonicalMethod(name string) { unsupported("CanonicalMethod", "repeat the parent path in Path") }

// ErrorName exists for Goa compatibility; it records a design error.
func ErrorName(args ...any) {
	unsupported("ErrorName", "use Error(name, String) or the default error type")
}

// ID exists for Goa compatibility (JSON-RPC); it records a design error.
func ID(name string, args ...any) { unsupported("JSON-RPC ID", "remove it") }

// Variable exists for Goa compatibility; it records a design error.
func Variable(name string, args ...any) { unsupported("server Variable", "write the URI in full") }

// Randomizer exists for Goa compatibility: it sets how Goa generates
// random examples, which Duplex does not, so it is ignored with a warning.
func Randomizer(randomizer any) {
	eval.ReportWarning("Randomizer ignored: Duplex does not generate random examples")
}
