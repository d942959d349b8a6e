package eval_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/eval"
	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// nextLine returns "eval_test.go:LINE" for the line after the one that
// calls it.
func nextLine() string {
	_, file, line, _ := runtime.Caller(1)
	return expr.Pos{File: file, Line: line + 1}.String()
}

func TestReportErrorUsesTheCallerOutsideDuplex(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	want := nextLine()
	eval.ReportError("bad %s", "thing")
	errs := eval.Errors()
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1", len(errs))
	}
	if got := errs[0].Error(); got != want+": bad thing" {
		t.Errorf("error = %q, want %q", got, want+": bad thing")
	}
}

func TestExecuteRecoversPanicsAtTheirPosition(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	want := nextLine()
	ok := eval.Execute(func() { panic("boom") }, "expr")
	if ok {
		t.Fatal("Execute reported success for a panicking function")
	}
	errs := eval.Errors()
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want+": ") || !strings.Contains(errs[0].Error(), "boom") {
		t.Fatalf("errors = %v, want one at %s mentioning boom", errs, want)
	}
	if eval.Current() != nil {
		t.Errorf("Current() = %v after Execute returned, want nil", eval.Current())
	}
}

func TestExecuteTracksTheCurrentExpression(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	var seen []any
	ok := eval.Execute(func() {
		seen = append(seen, eval.Current())
		eval.Execute(func() {
			seen = append(seen, eval.Current(), len(eval.Stack()))
		}, "inner")
		seen = append(seen, eval.Current())
	}, "outer")
	if !ok {
		t.Fatalf("Execute failed: %v", eval.Errors())
	}
	want := []any{"outer", "inner", 2, "outer"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("current expressions = %v, want %v", seen, want)
	}
	if eval.Execute(func() { eval.ReportError("x") }, "e") {
		t.Error("Execute reported success although the function recorded an error")
	}
}

func TestResetDiscardsTheDesignAndErrors(t *testing.T) {
	eval.ReportError("stale")
	expr.Root.Services = append(expr.Root.Services, &expr.ServiceExpr{Name: "stale"})
	eval.Reset()
	if len(eval.Errors()) != 0 || len(expr.Root.Services) != 0 {
		t.Fatalf("after Reset: %d errors, %d services", len(eval.Errors()), len(expr.Root.Services))
	}
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL on an empty design: %v", err)
	}
	if expr.Root.API.Name != "api" || len(expr.Root.API.Servers) != 1 {
		t.Errorf("empty design: API %q with %d servers, want the default API and server", expr.Root.API.Name, len(expr.Root.API.Servers))
	}
}

func TestRunDSLRunsDeferredDSLAndReportsAllErrors(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	var order []string
	expr.Root.API.Name = "a"
	expr.Root.API.DSLFunc = func() { order = append(order, "api") }
	expr.Root.Types = append(expr.Root.Types, &expr.UserTypeExpr{
		TypeName:      "T",
		AttributeExpr: &expr.AttributeExpr{Type: &expr.Object{}},
		DSLFunc:       func() { order = append(order, "type"); eval.ReportError("first") },
	})
	expr.Root.Services = append(expr.Root.Services, &expr.ServiceExpr{
		Name:    "s",
		DSLFunc: func() { order = append(order, "service"); eval.ReportError("second") },
	})
	err := eval.RunDSL()
	if got := strings.Join(order, ","); got != "api,type,service" {
		t.Errorf("DSL order = %s, want api,type,service", got)
	}
	var merr *eval.MultiError
	if !errors.As(err, &merr) || len(merr.Errors) != 2 {
		t.Fatalf("RunDSL = %v, want 2 errors", err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[0], "first") || !strings.HasSuffix(lines[1], "second") {
		t.Errorf("Error() = %q, want one line per error in order", err.Error())
	}
	if eval.RunDSL() != err {
		t.Error("a second RunDSL did not return the first result")
	}
}

func TestMultiErrorUnwrapsToDesignErrors(t *testing.T) {
	pos := expr.Pos{File: "/x/design.go", Line: 7}
	err := error(&eval.MultiError{Errors: []*expr.Error{expr.Errorf(pos, "boom")}})
	var de *expr.Error
	if !errors.As(err, &de) || de.Pos != pos {
		t.Fatalf("errors.As = %v, want the design error", de)
	}
	if err.Error() != "design.go:7: boom" {
		t.Errorf("Error() = %q", err.Error())
	}
}
