package dsl_test

import (
	"slices"
	"testing"

	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// run evaluates the design declared by fn and fails the test on error.
func run(t *testing.T, fn func()) {
	t.Helper()
	eval.Reset()
	t.Cleanup(eval.Reset)
	fn()
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL:\n%v", err)
	}
}

func TestSecurityAndErrorsAreInherited(t *testing.T) {
	run(t, func() {
		jwt := JWTSecurity("jwt")
		key := APIKeySecurity("key")
		API("a", func() {
			Security(jwt)
			Error("internal")
		})
		Service("s", func() {
			Error("unauthorized", String)
			Method("inherits", func() {
				Payload(func() { Token("token", String) })
				HTTP(func() { GET("/inherits") })
			})
			Method("own", func() {
				Security(key)
				Error("conflict", String)
				Payload(func() { APIKey("key", "k", String) })
				HTTP(func() { GET("/own"); Response("conflict", StatusConflict) })
			})
			Method("open", func() {
				NoSecurity()
				HTTP(func() { GET("/open") })
			})
		})
	})
	s := expr.Root.Service("s")
	want := map[string][]string{"inherits": {"jwt"}, "own": {"key"}, "open": nil}
	for name, schemes := range want {
		var got []string
		for _, r := range s.Method(name).Requirements {
			for _, sc := range r.Schemes {
				got = append(got, sc.SchemeName)
			}
		}
		if !slices.Equal(got, schemes) {
			t.Errorf("%s requirements %v, want %v", name, got, schemes)
		}
	}
	var errs []string
	for _, e := range s.Method("own").Errors {
		errs = append(errs, e.Name)
	}
	if !slices.Equal(errs, []string{"conflict", "unauthorized", "internal"}) {
		t.Errorf("own errors %v, want method, service then API errors", errs)
	}
	if s.Method("inherits").Error("internal").Type != expr.ErrorResult {
		t.Error("Error without a type does not use ErrorResult")
	}
	hs := expr.Root.API.HTTP.Service("s")
	codes := map[string]int{}
	for _, he := range hs.Endpoint("own").HTTPErrors {
		codes[he.Name] = he.Response.StatusCode
	}
	if codes["conflict"] != 409 || codes["unauthorized"] != 400 {
		t.Errorf("own error codes %v, want conflict 409 and 400 by default", codes)
	}
	if h := hs.Endpoint("own").Headers; h.ElemName("k") != "Authorization" {
		t.Errorf("API key travels in %q, want the Authorization header by default", h.ElemName("k"))
	}
}

func TestUnaryPayloadMapping(t *testing.T) {
	run(t, func() {
		Service("s", func() {
			Method("update", func() {
				Payload(func() {
					Attribute("id", String)
					Attribute("req", String)
					Attribute("dry", Boolean)
					Attribute("name", String)
					Attribute("tags", ArrayOf(String))
					Required("id", "name")
				})
				Result(Empty)
				HTTP(func() {
					PATCH("/items/{id}")
					Header("req:X-Request-ID")
					Param("dry")
				})
			})
			Method("raw", func() {
				Payload(String)
				HTTP(func() { POST("/raw") })
			})
		})
	})
	ep := expr.Root.API.HTTP.Service("s").Endpoint("update")
	if got := expr.AsObject(ep.Body.Type).Names(); !slices.Equal(got, []string{"name", "tags"}) {
		t.Errorf("body %v, want the attributes left: [name tags]", got)
	}
	if !ep.Body.IsRequired("name") || ep.Body.IsRequired("tags") {
		t.Error("body required attributes are wrong")
	}
	if ep.Headers.ElemName("req") != "X-Request-ID" {
		t.Error("header mapping lost")
	}
	if !ep.Params.IsRequired("id") || ep.Params.IsRequired("dry") {
		t.Error("path params must be required, optional query params not")
	}
	if ep.Responses[0].StatusCode != 204 {
		t.Errorf("empty result status %d, want 204", ep.Responses[0].StatusCode)
	}
	raw := expr.Root.API.HTTP.Service("s").Endpoint("raw")
	if raw.Body == nil || raw.Body.Type != expr.String {
		t.Error("a primitive payload goes to the body")
	}
}

func TestTypesExtendReferenceAndCollections(t *testing.T) {
	var ev *expr.ResultTypeExpr
	var coll *expr.ResultTypeExpr
	run(t, func() {
		base := Type("Base", func() {
			Attribute("id", String, func() { Format(FormatUUID) })
			Required("id")
		})
		ref := Type("Ref", func() {
			Attribute("name", String, "the name", func() { MaxLength(10) })
		})
		ev = ResultType("application/vnd.goa.event+json", func() {
			Extend(base)
			Reference(ref)
			Attributes(func() {
				Attribute("name")
				Field(2, "count", Int)
			})
			View("tiny", func() { Attribute("id") })
		})
		coll = CollectionOf(ev)
		Service("s", func() {
			Method("list", func() {
				Result(coll)
				HTTP(func() { GET("/list") })
			})
		})
	})
	if ev.TypeName != "GoaEvent" || ev.Identifier != "application/vnd.goa.event+json" {
		t.Errorf("result type %q %q", ev.TypeName, ev.Identifier)
	}
	if got := expr.AsObject(ev.Type).Names(); !slices.Equal(got, []string{"name", "count", "id"}) {
		t.Errorf("attributes %v", got)
	}
	name := ev.Find("name")
	if name.Type != expr.String || name.Description != "the name" || *name.Validation.MaxLength != 10 {
		t.Errorf("referenced attribute not inherited: %+v", name)
	}
	if !ev.IsRequired("id") || ev.Find("count").Meta["rpc:tag"][0] != "2" {
		t.Error("Extend lost Required or Field lost its tag")
	}
	if coll.TypeName != "GoaEventCollection" || coll.View("tiny") == nil || coll.View("default") == nil {
		t.Errorf("collection %q views %d", coll.TypeName, len(coll.Views))
	}
	if CollectionOf(ev) != coll {
		t.Error("CollectionOf twice returns two types")
	}
}

func TestTypeNamesResolveAndAPIOnce(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	API("a", func() {})
	API("b", func() {})
	Type("Msg", func() { Attribute("text", String) })
	Service("s", func() {
		Method("m", func() {
			Payload("Msg")
			Result("Nope")
			HTTP(func() { POST("/m") })
		})
	})
	err := eval.RunDSL()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`API is defined twice`, `unknown type "Nope"`} {
		if !containsAll(err.Error(), []string{want}) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if expr.Root.Service("s").Method("m").Payload.Type.Name() != "Msg" {
		t.Error("Payload(\"Msg\") did not resolve the type by name")
	}
}

func TestPositionsAreRecorded(t *testing.T) {
	var m *expr.MethodExpr
	run(t, func() {
		Service("s", func() {
			m = Method("m", func() { // want:method position
				HTTP(func() { GET("/m") })
			})
		})
	})
	if got, want := m.Pos.Line, wantLine(t, "method position"); got != want {
		t.Errorf("method Pos line %d, want %d", got, want)
	}
	ep := expr.Root.API.HTTP.Service("s").Endpoint("m")
	if ep.Routes[0].Pos.Line != m.Pos.Line+1 || ep.Pos.IsZero() {
		t.Errorf("route position %v", ep.Routes[0].Pos)
	}
}

func TestDocumentationIsRecorded(t *testing.T) {
	run(t, func() {
		API("a", func() {
			Contact(func() { Name("team"); Email("t@example.com"); URL("https://example.com") })
			License(func() { Name("MIT") })
			Docs(func() { Description("guide"); URL("https://example.com/docs") })
			TermsOfService("be nice")
		})
	})
	meta := expr.Root.API.Meta
	for key, want := range map[string]string{"contact:email": "t@example.com", "license:name": "MIT", "docs:description": "guide", "termsOfService": "be nice"} {
		if got, _ := meta.Last(key); got != want {
			t.Errorf("Meta %q = %q, want %q", key, got, want)
		}
	}
}

func TestPayloadExtendingATypeInline(t *testing.T) {
	run(t, func() {
		base := Type("Base", func() {
			Attribute("room", String)
			Required("room")
		})
		Service("s", func() {
			Method("join", func() {
				Payload(func() { Extend(base) })
				StreamingResult(String)
				HTTP(func() { GET("/rooms/{room}") })
			})
		})
	})
	m := expr.Root.Service("s").Method("join")
	if m.Payload.Find("room") == nil || !m.Payload.IsRequired("room") {
		t.Errorf("payload %s lost the extended attributes", m.Payload.Type.Name())
	}
}

func TestResultTypeDefaultNames(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	cases := map[string]string{
		"application/vnd.chat.room-event":       "ChatRoomEvent",
		"application/vnd.goa.example.bottle":    "GoaExampleBottle",
		"application/vnd.event+json; type=list": "Event",
	}
	for id, want := range cases {
		if got := ResultType(id).TypeName; got != want {
			t.Errorf("ResultType(%q).TypeName = %q, want %q", id, got, want)
		}
	}
}
