package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	. "duplex.dev/dsl"
)

// TestCookiesAreDocumented: request cookies are parameters "in: cookie", a
// key read from a cookie is an apiKey scheme "in: cookie", and a response
// that sets cookies documents its Set-Cookie header.
func TestCookiesAreDocumented(t *testing.T) {
	root := gentest.Design(t, func() {
		API("shop", func() {})
		key := APIKeySecurity("key")
		Service("shop", func() {
			Method("login", func() {
				NoSecurity()
				Result(func() { Attribute("sid", String); Attribute("user", String) })
				HTTP(func() {
					POST("/login")
					Response(StatusOK, func() { Cookie("sid:session"); CookieHTTPOnly() })
				})
			})
			Method("cart", func() {
				Security(key)
				Payload(func() {
					APIKey("key", "k", String)
					Attribute("theme", String)
				})
				Result(String)
				HTTP(func() {
					GET("/cart")
					Cookie("k:session")
					Cookie("theme")
				})
			})
		})
	})
	files, err := openapi.Files("example.com/shop/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	for _, f := range files {
		if strings.HasSuffix(f.Path, "openapi3.json") {
			if err := json.Unmarshal(f.Content, &doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	js, _ := json.Marshal(doc)
	s := string(js)
	for _, want := range []string{
		`{"in":"cookie","name":"theme","schema":{"type":"string"}}`,
		`"key":{"in":"cookie","name":"session","type":"apiKey"}`,
		`"Set-Cookie":{"description":"Sets the cookies session."`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("openapi3.json lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, `"sid"`) {
		t.Errorf("the login response body documents the cookie's attribute sid:\n%s", s)
	}
}
