package httpgen

import (
	"fmt"
	"testing"

	"duplex.dev/codegen"
	"duplex.dev/codegen/example"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	"duplex.dev/dsl"
	"duplex.dev/expr"
)

// collidingServices and collidingNames are names the generated code uses
// for itself: receivers, locals, parameters, packages it imports or
// generates, fields and methods of the types it declares. Designs may use
// each for a service (collidingServices: each service is a package of its
// own, so the list is kept short), a method, a type, an attribute or a
// parameter (collidingNames).
var (
	collidingServices = []string{
		"s", "ctx", "err", "http", "ws", "transport", "security", "fmt", "context",
		"client", "duplex", "url",
	}
	collidingNames = append([]string{
		"strings", "strconv", "req", "res", "resp", "w", "r", "stream", "payload",
		"result", "v", "ok", "c", "e", "conn", "mux", "h", "q", "path", "body", "view",
		"p", "log", "os", "flag", "endpoints", "handler", "cancel", "token", "opts",
		"mgr", "wsrv", "statuses", "raw", "data", "key", "user", "password",
		"service", "use", "mount", "mounts", "shutdown", "mount_handler", "new",
		"use_endpoint", "json", "io", "errors", "time", "server", "endpoint", "svc",
		"resume",
	}, collidingServices...)
)

// collidingDesign declares a service per colliding name (its package, its
// directory under gen/http and its client and server packages take that
// name), each with a unary method of the same name whose payload has an
// attribute of that name in the path, and a viewed result stream; and one
// service whose methods, of every kind, are named after every colliding
// name, with payloads holding the names as path, query, header and body
// attributes, and user types named after them.
func collidingDesign(services, names []string) func() {
	return func() {
		dsl.API("collide", func() {})
		jwt := dsl.JWTSecurity("jwt", func() { dsl.Scope("read") })
		key := dsl.APIKeySecurity("api_key")
		viewed := dsl.ResultType("application/vnd.collide.item", func() {
			dsl.TypeName("item")
			dsl.Attributes(func() {
				for _, n := range names {
					dsl.Attribute(n, dsl.String)
				}
				dsl.Required(names...)
			})
			dsl.View("default", func() {
				for _, n := range names {
					dsl.Attribute(n)
				}
			})
			dsl.View("tiny", func() { dsl.Attribute(names[0]) })
		})
		var types []any
		for _, n := range names {
			types = append(types, dsl.Type(n+"_t", func() {
				dsl.Attribute(n, dsl.String)
				dsl.Attribute("v", dsl.Int, func() { dsl.Minimum(1) })
				dsl.Required(n)
			}))
		}
		for _, n := range services {
			dsl.Service(n, func() {
				dsl.Error("err")
				dsl.Error(n)
				dsl.HTTP(func() { dsl.Response(n, dsl.StatusConflict) })
				dsl.Method(n, func() {
					dsl.Security(jwt)
					dsl.Payload(func() {
						dsl.Token("jwt_token", dsl.String)
						dsl.Attribute(n, dsl.String)
						dsl.Required("jwt_token", n)
					})
					dsl.Result(dsl.String)
					dsl.HTTP(func() { dsl.POST("/" + n + "/{" + n + "}") })
				})
				dsl.Method("feed", func() {
					dsl.StreamingResult(viewed)
					dsl.HTTP(func() { dsl.GET("/" + n + "/feed") })
				})
			})
		}
		dsl.Service("all", func() {
			dsl.Security(key)
			for i, n := range names {
				// The payload holds the 12 names after n: the first in
				// the path, then in turn query, header and body (query
				// when the method streams).
				var attrs []string
				for k := 1; k <= 12; k++ {
					attrs = append(attrs, names[(i+k)%len(names)])
				}
				dsl.Method(n, func() {
					dsl.Payload(func() {
						dsl.APIKey("api_key", "the_key", dsl.String)
						for _, a := range attrs {
							dsl.Attribute(a, dsl.String)
						}
						if i%5 == 0 {
							dsl.Attribute("typed", types[i])
						}
						dsl.Required("the_key")
					})
					path := fmt.Sprintf("/all/%s/{%s}", n, attrs[0])
					switch i % 5 {
					case 0:
						dsl.Result(types[i])
					case 1:
						dsl.StreamingResult(viewed)
					case 2:
						dsl.StreamingPayload(types[i])
						dsl.Result(dsl.String)
					case 3:
						dsl.StreamingPayload(dsl.String)
						dsl.StreamingResult(types[i])
					case 4:
						dsl.StreamingResult(dsl.Int)
					}
					dsl.HTTP(func() {
						if i%5 == 0 {
							dsl.POST(path)
						} else {
							dsl.GET(path)
						}
						dsl.Header("the_key:X-Key")
						for j, a := range attrs {
							switch {
							case j == 0:
							case j%3 == 0:
								dsl.Param(a)
							case j%3 == 1:
								dsl.Header(a + ":X-" + a)
							case i%5 != 0:
								dsl.Param(a)
							}
						}
						if i%5 == 4 {
							dsl.WebSocket(func() { dsl.Resumable() })
						}
					})
				})
			}
		})
	}
}

// TestCollidingNamesBuildAndVet: a design whose services, methods, types,
// attributes and parameters are named like the identifiers and packages
// the generated code uses compiles and passes go vet (service, HTTP and
// example packages).
func TestCollidingNamesBuildAndVet(t *testing.T) {
	root := gentest.Design(t, collidingDesign(collidingServices, collidingNames))
	var all []*codegen.File
	for _, gen := range []func(string, *expr.RootExpr) ([]*codegen.File, error){service.Files, Files, example.Files} {
		files, err := gen("example.com/collide/gen", root)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, files...)
	}
	gentest.BuildAndVet(t, "example.com/collide", all)
}
