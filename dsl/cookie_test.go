package dsl_test

import (
	"strings"
	"testing"

	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// TestCookieMapsPayloadAndResultAttributes: Cookie in a method's HTTP block
// maps a payload attribute to a request cookie (credentials included, which
// then no longer default to the Authorization header), and in a Response a
// result attribute to a cookie with the Cookie* attributes, out of the body.
func TestCookieMapsPayloadAndResultAttributes(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	jwt := JWTSecurity("jwt")
	Service("s", func() {
		Method("login", func() {
			NoSecurity()
			Result(func() {
				Attribute("token", String)
				Attribute("user", String)
			})
			HTTP(func() {
				POST("/login")
				Response(StatusOK, func() {
					Cookie("token:sid")
					CookieMaxAge(60)
					CookieDomain("example.com")
					CookiePath("/app")
					CookieSecure()
					CookieHTTPOnly()
					CookieSameSite(CookieSameSiteLax)
				})
			})
		})
		Method("watch", func() {
			Security(jwt)
			Payload(func() {
				Token("token", String)
				Attribute("theme", String)
				Required("token")
			})
			StreamingResult(String)
			HTTP(func() {
				GET("/watch")
				Cookie("token:sid")
				Cookie("theme")
			})
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	hs := expr.Root.API.HTTP.Service("s")
	watch := hs.Endpoint("watch")
	if watch.Cookies.ElemName("token") != "sid" || watch.Cookies.Find("theme") == nil {
		t.Errorf("watch cookies: token as %q, theme %v", watch.Cookies.ElemName("token"), watch.Cookies.Find("theme"))
	}
	if watch.Headers.Find("token") != nil {
		t.Error("a token mapped with Cookie also travels in the Authorization header")
	}
	r := hs.Endpoint("login").Responses[0]
	a := r.CookieAttributes
	if a.MaxAge == nil || *a.MaxAge != 60 || a.Domain != "example.com" || a.Path != "/app" || !a.Secure || !a.HTTPOnly || a.SameSite != "Lax" {
		t.Errorf("cookie attributes = %+v", a)
	}
	body := expr.AsObject(r.Body.Type)
	if body == nil || body.Attribute("token") != nil || body.Attribute("user") == nil {
		t.Errorf("response body = %v, want user and not the cookie's token", r.Body.Type)
	}
}

// TestCookieRules: what cannot travel in a cookie is refused at the line of
// the DSL call, saying what to do.
func TestCookieRules(t *testing.T) {
	cases := []struct {
		name   string
		design func()
		want   string
	}{
		{"a cookie naming no payload attribute", func() {
			Method("m", func() {
				Payload(func() { Attribute("a", String) })
				HTTP(func() { POST("/m"); Cookie("b") })
			})
		}, `Cookie("b") names no attribute of the payload`},
		{"an array in a cookie", func() {
			Method("m", func() {
				Payload(func() { Attribute("a", ArrayOf(String)) })
				HTTP(func() { POST("/m"); Cookie("a") })
			})
		}, `Cookie("a") has type array of string, which cannot travel in a cookie`},
		{"a streaming method setting a cookie", func() {
			Method("m", func() {
				StreamingResult(func() { Attribute("a", String) })
				HTTP(func() {
					GET("/m")
					Response(StatusOK, func() { Cookie("a") })
				})
			})
		}, "Response cannot set cookies; set them from a unary method"},
		{"a response cookie naming no result attribute", func() {
			Method("m", func() {
				Result(func() { Attribute("a", String) })
				HTTP(func() {
					POST("/m")
					Response(StatusOK, func() { Cookie("b") })
				})
			})
		}, `Cookie("b") in Response names no attribute of the result`},
		{"an unknown SameSite", func() {
			Method("m", func() {
				Result(func() { Attribute("a", String) })
				HTTP(func() {
					POST("/m")
					Response(StatusOK, func() { Cookie("a"); CookieSameSite("strict") })
				})
			})
		}, `CookieSameSite("strict"): use CookieSameSiteStrict`},
		{"a cookie attribute outside a Response", func() {
			Method("m", func() {
				HTTP(func() { POST("/m"); CookieHTTPOnly() })
			})
		}, "CookieHTTPOnly must appear in a Response"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eval.Reset()
			t.Cleanup(eval.Reset)
			Service("s", tc.design)
			err := eval.RunDSL()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "cookie_test.go:") {
				t.Errorf("RunDSL: %v, want %q at a line of cookie_test.go", err, tc.want)
			}
		})
	}
}

// TestFilesRules: Files records a file server of the service; what the
// server could not route is refused at the line of the call.
func TestFilesRules(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	Service("s", func() {
		Files("index.html", "web/index.html", func() { Description("The page.") })
		Files("/static/{*filepath}", "web/static")
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	fs := expr.Root.API.HTTP.Service("s").FileServers
	if len(fs) != 2 || fs[0].RequestPath != "/index.html" || fs[0].IsDir() || fs[0].Description != "The page." || fs[1].Wildcard() != "filepath" {
		t.Fatalf("file servers %+v", fs)
	}

	cases := []struct {
		name   string
		design func()
		want   string
	}{
		{"a wildcard that does not end the path", func() {
			Files("/{lang}/static/{*filepath}", "web")
		}, "only a {*wildcard} ending the path is allowed"},
		{"an empty file path", func() { Files("/x", "") }, "the file path is empty"},
		{"two file servers on one path", func() {
			Files("/a", "x")
			Files("/a", "y")
		}, `path /a is already served by Files("/a")`},
		{"a method on the path of a file server", func() {
			Files("/a", "x")
			Method("m", func() { HTTP(func() { GET("/a") }) })
		}, `route GET /a is already used by Files("/a")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eval.Reset()
			t.Cleanup(eval.Reset)
			Service("s", tc.design)
			err := eval.RunDSL()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "cookie_test.go:") {
				t.Errorf("RunDSL: %v, want %q at a line of cookie_test.go", err, tc.want)
			}
		})
	}
}
