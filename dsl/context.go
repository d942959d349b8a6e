package dsl

import (
	"fmt"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

// where describes the current expression for error messages.
func where() string {
	switch e := eval.Current().(type) {
	case nil:
		return "the top level"
	case *expr.APIExpr:
		return fmt.Sprintf("API %q", e.Name)
	case *expr.ServerExpr:
		return fmt.Sprintf("Server %q", e.Name)
	case *expr.HostExpr:
		return fmt.Sprintf("Host %q", e.Name)
	case *expr.ServiceExpr:
		return fmt.Sprintf("Service %q", e.Name)
	case *expr.MethodExpr:
		return fmt.Sprintf("Method %q", e.Name)
	case *expr.ResultTypeExpr:
		return fmt.Sprintf("ResultType %q", e.TypeName)
	case *expr.UserTypeExpr:
		return fmt.Sprintf("Type %q", e.TypeName)
	case *expr.AttributeExpr:
		return "an attribute" + methodSuffix()
	case *expr.ErrorExpr:
		return fmt.Sprintf("Error %q", e.Name)
	case *expr.InterceptorExpr:
		return fmt.Sprintf("Interceptor %q", e.Name)
	case *expr.HTTPExpr:
		return "the API's HTTP block"
	case *expr.HTTPServiceExpr:
		return fmt.Sprintf("the HTTP block of service %q", e.ServiceExpr.Name)
	case *expr.HTTPEndpointExpr:
		return fmt.Sprintf("the HTTP block of method %q", e.MethodExpr.Name)
	case *expr.HTTPResponseExpr:
		return "a Response" + methodSuffix()
	case *expr.WebSocketExpr:
		return "a WebSocket block" + methodSuffix()
	case *expr.SchemeExpr:
		return fmt.Sprintf("security scheme %q", e.SchemeName)
	case *expr.SecurityExpr:
		return "a Security block" + methodSuffix()
	case *expr.ExampleExpr:
		return "an Example"
	}
	return fmt.Sprintf("%T", eval.Current())
}

// methodSuffix names the enclosing method, if any, for error messages.
func methodSuffix() string {
	if m := enclosingMethod(); m != nil {
		return fmt.Sprintf(" of method %q", m.Name)
	}
	return ""
}

// enclosingMethod returns the innermost method being defined or nil.
func enclosingMethod() *expr.MethodExpr {
	stack := eval.Stack()
	for i := len(stack) - 1; i >= 0; i-- {
		switch e := stack[i].(type) {
		case *expr.MethodExpr:
			return e
		case *expr.HTTPEndpointExpr:
			return e.MethodExpr
		}
	}
	return nil
}

// incompatible records that the DSL function fn cannot be used here.
func incompatible(fn, expected string) {
	if eval.Current() == nil {
		eval.ReportError("%s must appear in %s, not at the top level", fn, expected)
		return
	}
	eval.ReportError("%s must appear in %s, not in %s", fn, expected, where())
}

// atTopLevel reports whether the DSL runs at the top level (package
// variable initialisation) and records an error for fn otherwise.
func atTopLevel(fn string) bool {
	if eval.Current() != nil {
		eval.ReportError("%s must appear at the top level of the design (in a package variable declaration), not in %s", fn, where())
		return false
	}
	return true
}
