package service

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"duplex.dev/codegen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ptr[T any](v T) *T { return &v }

func str(meta ...string) *expr.AttributeExpr {
	a := &expr.AttributeExpr{Type: expr.String}
	if len(meta) > 0 {
		a.Meta = expr.MetaExpr{}
		for _, k := range meta {
			a.Meta[k] = nil
		}
	}
	return a
}

func obj(required []string, atts ...*expr.NamedAttributeExpr) *expr.AttributeExpr {
	o := expr.Object(atts)
	a := &expr.AttributeExpr{Type: &o}
	if required != nil {
		a.Validation = &expr.ValidationExpr{Required: required}
	}
	return a
}

func named(name string, a *expr.AttributeExpr) *expr.NamedAttributeExpr {
	return &expr.NamedAttributeExpr{Name: name, Attribute: a}
}

func empty() *expr.AttributeExpr { return &expr.AttributeExpr{Type: expr.Empty} }

// chatDesign is Goa's chat design (/tmp/goaref/design/design.go, copied in
// testdata/goa) as the design model holds it after Finalize.
func chatDesign() *expr.RootExpr {
	basic := &expr.SchemeExpr{Kind: expr.BasicAuthKind, SchemeName: "basic"}
	jwt := &expr.SchemeExpr{Kind: expr.JWTKind, SchemeName: "jwt", Scopes: []*expr.ScopeExpr{{Name: "stream:read"}, {Name: "stream:write"}}}

	eventObj := obj([]string{"message", "action", "timestamp"},
		named("message", &expr.AttributeExpr{Type: expr.String, Validation: &expr.ValidationExpr{MaxLength: ptr(1024)}}),
		named("action", &expr.AttributeExpr{Type: expr.String, Validation: &expr.ValidationExpr{Values: []any{"join", "leave", "message"}}}),
		named("timestamp", &expr.AttributeExpr{Type: expr.String, Validation: &expr.ValidationExpr{Format: expr.FormatDateTime}}),
	)
	event := &expr.ResultTypeExpr{UserTypeExpr: &expr.UserTypeExpr{AttributeExpr: eventObj, TypeName: "Event"}, Identifier: "application/vnd.chat.event"}
	event.Views = []*expr.ViewExpr{
		{Name: "default", Parent: event, AttributeExpr: obj(nil, named("message", str()), named("action", str()), named("timestamp", str()))},
		{Name: "tiny", Parent: event, AttributeExpr: obj(nil, named("message", str()))},
	}

	unauthorized := &expr.ErrorExpr{Name: "unauthorized", AttributeExpr: &expr.AttributeExpr{Type: expr.String}}
	svc := &expr.ServiceExpr{Name: "chat", Errors: []*expr.ErrorExpr{unauthorized}}
	errs := []*expr.ErrorExpr{unauthorized}
	svc.Methods = []*expr.MethodExpr{
		{
			Name:             "login",
			Payload:          obj([]string{"user", "password"}, named("user", str(expr.SecurityUsernameMeta)), named("password", str(expr.SecurityPasswordMeta))),
			Result:           str(),
			StreamingPayload: empty(),
			Stream:           expr.NoStreamKind,
			Requirements:     []*expr.SecurityExpr{{Schemes: []*expr.SchemeExpr{basic}}},
			Errors:           errs,
		},
		{
			Name:             "listener",
			Payload:          empty(),
			Result:           empty(),
			StreamingPayload: obj([]string{"message"}, named("message", str())),
			Stream:           expr.ClientStreamKind,
			Errors:           errs,
		},
		{
			Name:             "count",
			Payload:          obj([]string{"token"}, named("token", str(expr.SecurityTokenMeta))),
			Result:           &expr.AttributeExpr{Type: expr.Int},
			StreamingPayload: &expr.AttributeExpr{Type: expr.Int},
			Stream:           expr.ClientStreamKind,
			Requirements:     []*expr.SecurityExpr{{Schemes: []*expr.SchemeExpr{jwt}}},
			Errors:           errs,
		},
		{
			Name:             "subscribe",
			Payload:          obj([]string{"token"}, named("token", str(expr.SecurityTokenMeta)), named("room", str())),
			Result:           &expr.AttributeExpr{Type: event},
			StreamingPayload: empty(),
			Stream:           expr.ServerStreamKind,
			Requirements:     []*expr.SecurityExpr{{Schemes: []*expr.SchemeExpr{jwt}}},
			Errors:           errs,
		},
		{
			Name:             "echo",
			Payload:          empty(),
			Result:           str(),
			StreamingPayload: str(),
			Stream:           expr.BidirectionalStreamKind,
			Errors:           errs,
		},
	}
	for _, m := range svc.Methods {
		m.Service = svc
	}
	return &expr.RootExpr{
		API:         &expr.APIExpr{Name: "chat", Version: "1.0"},
		Services:    []*expr.ServiceExpr{svc},
		ResultTypes: []expr.UserType{event},
		Schemes:     []*expr.SchemeExpr{basic, jwt},
	}
}

func TestChatMatchesGoldenFiles(t *testing.T) {
	files, err := Files("goaref/gen", chatDesign())
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/chat", files)
}

// TestGoaImplementationCompiles builds Goa's implementation scaffold of the
// chat design (testdata/goa/chat.go, only its goa import paths changed)
// against the generated package, with Goa's design (testdata/goa/design.go,
// its dsl import path changed), vets them, and runs the behaviour checks of
// testdata/goa/behaviour_test.go there.
func TestGoaImplementationCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet and go test on generated code")
	}
	files, err := Files("goaref/gen", chatDesign())
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string]string{
		"log/log.go": "// Package log stands in for goa.design/clue/log in the scaffold.\npackage log\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\n// Printf prints a message.\nfunc Printf(_ context.Context, format string, args ...any) { fmt.Printf(format+\"\\n\", args...) }\n",
	}
	for name, dst := range map[string]string{"chat.go": "chat.go", "behaviour_test.go": "behaviour_test.go", "design.go": "design/design.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "goa", name))
		if err != nil {
			t.Fatal(err)
		}
		extra[dst] = string(b)
	}
	dir := gentest.Module(t, "goaref", files, extra)
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-count=1", "-v", "./..."))
}

func TestFilesAreGoFiles(t *testing.T) {
	files, err := Files("goaref/gen", chatDesign())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		if string(f.Content[:len(codegen.HeaderLine)]) != codegen.HeaderLine {
			t.Errorf("%s does not start with the generated-code header", f.Path)
		}
	}
	want := []string{"gen/chat/service.go", "gen/chat/endpoints.go", "gen/chat/client.go"}
	if len(paths) != len(want) {
		t.Fatalf("files = %v, want %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("file %d = %s, want %s", i, paths[i], want[i])
		}
	}
}
