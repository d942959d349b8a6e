package dsl_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// oneOfCases are the design mistakes OneOf can make: each fails the design
// at the file:line of the offending call (marked "// want:<case name>").
var oneOfCases = []struct {
	name   string
	design func()
	want   []string
}{
	{"OneOf without variants", func() {
		Type("T", func() {
			OneOf("event", func() {}) // want:OneOf without variants
		})
	}, []string{`OneOf("event") has no variant`, "Attribute(name, Type)"}},

	{"variant defined twice", func() {
		Type("T", func() {
			OneOf("event", func() {
				Attribute("join", String)
				Attribute("join", Int) // want:variant defined twice
			})
		})
	}, []string{`OneOf "event": variant "join" is defined twice`}},

	{"same JSON keys", func() {
		Type("T", func() {
			OneOf("event", func() { // want:same JSON keys
				Meta("oneof:type:field", "k")
				Meta("oneof:value:field", "k")
				Attribute("join", String)
			})
		})
	}, []string{`both "k"`, "oneof:type:field"}},

	{"Default on a union", func() {
		Type("T", func() {
			OneOf("event", func() {
				Attribute("join", String)
				Default("join") // want:Default on a union
			})
		})
	}, []string{`Default does not apply to OneOf("event")`}},

	{"OneOf in a Method", func() {
		Service("s", func() {
			Method("m", func() {
				OneOf("event", func() { Attribute("join", String) }) // want:OneOf in a Method
			})
		})
	}, []string{"OneOf must appear in a Type"}},

	{"union in a query parameter", func() {
		Service("s", func() {
			Method("m", func() {
				Payload(func() {
					OneOf("event", func() { Attribute("join", String) })
				})
				StreamingResult(String)
				HTTP(func() {
					GET("/m")
					Param("event") // want:union in a query parameter
				})
			})
		})
	}, []string{`Param("event") has type OneOf("event")`, "cannot travel in a query string"}},
}

func TestOneOfDesignMistakes(t *testing.T) {
	for _, c := range oneOfCases {
		t.Run(c.name, func(t *testing.T) {
			line := wantLine(t, c.name)
			eval.Reset()
			t.Cleanup(eval.Reset)
			api()
			c.design()
			err := eval.RunDSL()
			var merr *eval.MultiError
			if !errors.As(err, &merr) {
				t.Fatalf("RunDSL error = %v, want *eval.MultiError", err)
			}
			pos := fmt.Sprintf("oneof_test.go:%d: ", line)
			for _, e := range merr.Errors {
				if msg := e.Error(); strings.HasPrefix(msg, pos) && containsAll(msg, c.want) {
					return
				}
			}
			t.Errorf("no error at %s containing %q; got:\n%v", pos, c.want, err)
		})
	}
}

// TestOneOfRecordsGoasModel: OneOf records a Union with its variants in
// order, wraps a variant that is not a user type into one named after the
// union and the variant (as Goa does), and reads the JSON keys from Meta.
func TestOneOfRecordsGoasModel(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	api()
	join := Type("Join", func() { Attribute("user", String) })
	ev := Type("ChatEvent", func() {
		OneOf("event", "What happened.", func() {
			Meta("oneof:type:field", "kind")
			Attribute("join", join)
			Attribute("typing", Boolean)
		})
		Required("event")
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	att := expr.AsObject(ev).Attribute("event")
	u, ok := att.Type.(*expr.Union)
	if !ok {
		t.Fatalf("event has type %T, want *expr.Union", att.Type)
	}
	if att.Description != "What happened." || u.TypeName != "event" || u.GetTypeKey() != "kind" || u.GetValueKey() != "value" {
		t.Errorf("union = %+v (description %q)", u, att.Description)
	}
	if len(u.Values) != 2 || u.Values[0].Name != "join" || u.Values[0].Attribute.Type != expr.DataType(join) {
		t.Fatalf("variants = %+v", u.Values)
	}
	typing, ok := u.Values[1].Attribute.Type.(*expr.UserTypeExpr)
	if !ok || typing.TypeName != "eventTyping" || typing.Attribute().Type != expr.Boolean {
		t.Errorf("typing variant = %#v, want the user type eventTyping of Boolean", u.Values[1].Attribute.Type)
	}
}
