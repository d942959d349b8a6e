package httpgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	"duplex.dev/dsl"
)

// cookieDesign reads payload attributes and credentials from cookies and
// sets a cookie from a result: a login that sets an HttpOnly session
// cookie, a unary method and streams authenticated by it.
func cookieDesign() {
	dsl.API("shop", func() {})
	basic := dsl.BasicAuthSecurity("basic")
	jwt := dsl.JWTSecurity("jwt")
	key := dsl.APIKeySecurity("key")
	dsl.Service("shop", func() {
		dsl.Error("unauthorized", dsl.String)
		dsl.HTTP(func() { dsl.Response("unauthorized", dsl.StatusUnauthorized) })
		dsl.Method("login", func() {
			dsl.Security(basic)
			dsl.Payload(func() {
				dsl.Username("user", dsl.String)
				dsl.Password("password", dsl.String)
				dsl.Required("user", "password")
			})
			dsl.Result(func() {
				dsl.Attribute("token", dsl.String)
				dsl.Attribute("user", dsl.String)
				dsl.Required("token", "user")
			})
			dsl.HTTP(func() {
				dsl.POST("/login")
				dsl.Response(dsl.StatusOK, func() {
					dsl.Cookie("token:session")
					dsl.CookieMaxAge(3600)
					dsl.CookiePath("/")
					dsl.CookieHTTPOnly()
					dsl.CookieSecure()
					dsl.CookieSameSite(dsl.CookieSameSiteStrict)
				})
			})
		})
		dsl.Method("theme", func() {
			dsl.NoSecurity()
			dsl.Payload(func() {
				dsl.Attribute("name", dsl.String)
				dsl.Required("name")
			})
			dsl.Result(dsl.String)
			dsl.HTTP(func() {
				dsl.PUT("/theme")
				dsl.Response(dsl.StatusOK, func() { dsl.Cookie("theme") })
			})
		})
		dsl.Method("cart", func() {
			dsl.Security(jwt)
			dsl.Payload(func() {
				dsl.Token("token", dsl.String)
				dsl.Attribute("theme", dsl.String, func() { dsl.Enum("light", "dark") })
				dsl.Attribute("page", dsl.Int, func() { dsl.Minimum(1) })
				dsl.Attribute("size", dsl.Int, func() { dsl.Default(10) })
				dsl.Attribute("note", dsl.String)
				dsl.Required("token", "page")
			})
			dsl.Result(dsl.String)
			dsl.HTTP(func() {
				dsl.POST("/cart")
				dsl.Cookie("token:session")
				dsl.Cookie("theme")
				dsl.Cookie("page:cart_page")
				dsl.Cookie("size")
			})
		})
		dsl.Method("feed", func() {
			dsl.Security(jwt)
			dsl.Payload(func() {
				dsl.Token("token", dsl.String)
				dsl.Attribute("theme", dsl.String)
				dsl.Required("token")
			})
			dsl.StreamingResult(dsl.String)
			dsl.HTTP(func() {
				dsl.GET("/feed")
				dsl.Param("token")
				dsl.Cookie("token:session")
				dsl.Cookie("theme")
			})
		})
		dsl.Method("audit", func() {
			dsl.Security(key)
			dsl.Payload(func() {
				dsl.APIKey("key", "key", dsl.String)
				dsl.Required("key")
			})
			dsl.StreamingPayload(dsl.String)
			dsl.StreamingResult(dsl.String)
			dsl.HTTP(func() {
				dsl.GET("/audit")
				dsl.Cookie("key:audit_key")
			})
		})
	})
}

func cookieFiles(t *testing.T) []*codegen.File {
	t.Helper()
	root := gentest.Design(t, cookieDesign)
	files, err := Files("example.com/shop/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.Files("example.com/shop/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	return append(files, svc...)
}

// TestCookieGoldenFiles pins what the HTTP generator writes for cookies:
// request cookies read with transport.Cookie, credentials read from a
// cookie (alone or after the query and header), and a response setting
// cookies with their attributes, on the server and in the Go client.
func TestCookieGoldenFiles(t *testing.T) {
	files := cookieFiles(t)
	var http []*codegen.File
	for _, f := range files {
		if strings.HasPrefix(f.Path, "gen/http/") {
			http = append(http, f)
		}
	}
	gentest.Golden(t, "testdata/cookie", http)
}

// TestCookieServerAndClient runs the generated server and client of the
// cookie design against each other on 127.0.0.1, and raw requests at the
// server: the program is testdata/cookie/e2e_test.go.txt.
func TestCookieServerAndClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs generated code")
	}
	e2e, err := os.ReadFile(filepath.Join("testdata", "cookie", "e2e_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gentest.Module(t, "example.com/shop", cookieFiles(t), map[string]string{"e2e/e2e_test.go": string(e2e)})
	gentest.Go(t, dir, "vet", "./...")
	out := gentest.Go(t, dir, "test", "-race", "-count=1", "-v", "./e2e")
	t.Log(out)
}
