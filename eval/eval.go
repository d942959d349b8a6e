package eval

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"duplex.dev/expr"
)

// state is the evaluation state; Reset replaces it.
type state struct {
	stack    []any
	errors   []*expr.Error
	warnings []*expr.Error
	ran      bool
	result   error
}

var ctx = &state{}

// MultiError lists every design error found by RunDSL, in the order found.
type MultiError struct {
	// Errors are the design errors, each with the position of the
	// offending DSL call.
	Errors []*expr.Error
}

// Error returns one "file.go:LINE: message" line per error.
func (m *MultiError) Error() string {
	lines := make([]string, len(m.Errors))
	for i, e := range m.Errors {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors so that errors.As finds an *expr.Error.
func (m *MultiError) Unwrap() []error {
	errs := make([]error, len(m.Errors))
	for i, e := range m.Errors {
		errs[i] = e
	}
	return errs
}

// Reset discards the design and every recorded error: expr.Root becomes an
// empty design. Tests call it before declaring a design.
func Reset() {
	expr.Root = expr.NewRoot()
	ctx = &state{}
}

// Current returns the expression whose DSL is running (an *expr.APIExpr,
// *expr.ServiceExpr, *expr.MethodExpr, *expr.AttributeExpr, ...), or nil at
// the top level.
func Current() any {
	if len(ctx.stack) == 0 {
		return nil
	}
	return ctx.stack[len(ctx.stack)-1]
}

// Stack returns the expressions being defined, outermost first.
func Stack() []any { return append([]any(nil), ctx.stack...) }

// Execute runs fn with e as the current expression. A panic in fn is
// recovered and recorded as a design error at the DSL call that caused it.
// Execute reports whether fn ran without recording any new error.
func Execute(fn func(), e any) (ok bool) {
	if fn == nil {
		return true
	}
	before := len(ctx.errors)
	depth := len(ctx.stack)
	ctx.stack = append(ctx.stack, e)
	defer func() {
		if r := recover(); r != nil {
			ctx.errors = append(ctx.errors, &expr.Error{
				Pos:     Caller(),
				Message: fmt.Sprintf("design function panicked: %v", r),
			})
			ok = false
		}
		ctx.stack = ctx.stack[:depth]
		if len(ctx.errors) > before {
			ok = false
		}
	}()
	fn()
	return true
}

// ReportError records a design error at the position of the DSL call being
// run (the first caller outside packages dsl, eval and expr).
func ReportError(format string, args ...any) {
	ctx.errors = append(ctx.errors, &expr.Error{Pos: Caller(), Message: fmt.Sprintf(format, args...)})
}

// ReportErrorAt records a design error at pos.
func ReportErrorAt(pos expr.Pos, format string, args ...any) {
	ctx.errors = append(ctx.errors, &expr.Error{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// ReportWarning records a warning at the position of the DSL call being
// run: a part of the design Duplex skips (a GRPC block) without failing
// the generation. `duplex gen` prints the warnings on stderr.
func ReportWarning(format string, args ...any) {
	ctx.warnings = append(ctx.warnings, &expr.Error{Pos: Caller(), Message: fmt.Sprintf(format, args...)})
}

// Warnings returns the warnings recorded so far, in the order found.
func Warnings() []*expr.Error { return append([]*expr.Error(nil), ctx.warnings...) }

// Errors returns the design errors recorded so far.
func Errors() []*expr.Error { return append([]*expr.Error(nil), ctx.errors...) }

// internalPackages are skipped when looking for the user's DSL call.
var internalPackages = map[string]bool{
	"duplex.dev/dsl":  true,
	"duplex.dev/eval": true,
	"duplex.dev/expr": true,
	"runtime":         true,
}

// Caller returns the position of the innermost caller outside packages
// duplex.dev/dsl, duplex.dev/eval, duplex.dev/expr and the Go runtime: the
// user's DSL call. It returns the zero Pos when there is none.
func Caller() expr.Pos {
	var pcs [64]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !internalPackages[packagePath(f.Function)] {
			return expr.Pos{File: f.File, Line: f.Line}
		}
		if !more {
			return expr.Pos{}
		}
	}
}

// packagePath returns the import path of the package of a function name as
// reported by runtime.Frame ("duplex.dev/dsl" for "duplex.dev/dsl.Method.func1",
// "duplex.dev/dsl_test" for a function of an external test package).
func packagePath(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// RunDSL evaluates the design declared so far: it runs the API, type and
// service DSL functions, then the model's Prepare, Validate and Finalize.
// It returns nil or a *MultiError listing every design error, one
// "file.go:LINE: message" per line. Finalize runs only when there is no
// error. Calling RunDSL again returns the same result until Reset.
func RunDSL() error {
	if ctx.ran {
		return ctx.result
	}
	ctx.ran = true
	ctx.result = runDSL()
	return ctx.result
}

func runDSL() error {
	root := expr.Root
	if api := root.API; api != nil && api.DSLFunc != nil {
		fn := api.DSLFunc
		api.DSLFunc = nil
		Execute(fn, api)
	}
	// Types may declare more types (CollectionOf in a DSL): loop until
	// every type ran.
	for progress := true; progress; {
		progress = false
		for i := 0; i < len(root.Types)+len(root.ResultTypes); i++ {
			var ut expr.UserType
			if i < len(root.Types) {
				ut = root.Types[i]
			} else {
				ut = root.ResultTypes[i-len(root.Types)]
			}
			u := userTypeExpr(ut)
			if u == nil || u.DSLFunc == nil {
				continue
			}
			fn := u.DSLFunc
			u.DSLFunc = nil
			progress = true
			Execute(fn, ut)
		}
	}
	for i := 0; i < len(root.Services); i++ {
		s := root.Services[i]
		if s.DSLFunc == nil {
			continue
		}
		fn := s.DSLFunc
		s.DSLFunc = nil
		Execute(fn, s)
	}
	phase("prepare", func() { ctx.errors = append(ctx.errors, root.Prepare()...) })
	phase("validate", func() { ctx.errors = append(ctx.errors, root.Validate()...) })
	if len(ctx.errors) > 0 {
		return &MultiError{Errors: Errors()}
	}
	phase("finalize", root.Finalize)
	if len(ctx.errors) > 0 {
		return &MultiError{Errors: Errors()}
	}
	return nil
}

// phase runs one model phase, turning a panic (a bug in Duplex or a design
// the model did not expect) into a design error instead of crashing the
// generator.
func phase(name string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			ctx.errors = append(ctx.errors, &expr.Error{
				Message: fmt.Sprintf("internal error during %s (please report): %v\n%s", name, r, debug.Stack()),
			})
		}
	}()
	fn()
}

func userTypeExpr(ut expr.UserType) *expr.UserTypeExpr {
	switch t := ut.(type) {
	case *expr.UserTypeExpr:
		return t
	case *expr.ResultTypeExpr:
		return t.UserTypeExpr
	}
	return nil
}
