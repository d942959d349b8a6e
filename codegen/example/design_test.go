package example

import (
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/dsl"
)

func TestScaffoldReadsTheDesign(t *testing.T) {
	root := gentest.Design(t, func() {
		dsl.API("my-api", func() {})
		jwt := dsl.JWTSecurity("jwt")
		other := dsl.JWTSecurity("other")
		key := dsl.APIKeySecurity("key")
		dsl.Service("rooms", func() {
			dsl.Method("join", func() {
				dsl.Security(jwt)
				dsl.Payload(func() {
					dsl.Token("token", dsl.String)
					dsl.Attribute("room", dsl.String)
					dsl.Required("token", "room")
				})
				dsl.Result(dsl.Boolean)
				dsl.HTTP(func() { dsl.POST("/join") })
			})
			dsl.Method("watch", func() {
				dsl.Security(other, key)
				dsl.Payload(func() {
					dsl.Token("token", dsl.String)
					dsl.APIKey("key", "key", dsl.String)
					dsl.Required("token", "key")
				})
				dsl.StreamingResult(dsl.String)
				dsl.HTTP(func() { dsl.GET("/watch") })
			})
			dsl.Method("ping", func() {
				dsl.NoSecurity()
				dsl.HTTP(func() { dsl.GET("/ping") })
			})
		})
	})
	api := buildAPI("example.com/my/gen", root)
	if api.PkgName != "myapiapi" || api.ModPath != "example.com/my" || api.CLIPath != "example.com/my/gen/http/cli/myapi" {
		t.Errorf("api = %s %s %s", api.PkgName, api.ModPath, api.CLIPath)
	}
	if len(api.Services) != 1 || len(api.HTTP) != 1 {
		t.Errorf("services %d, served over HTTP %d; want 1 served over HTTP", len(api.Services), len(api.HTTP))
	}
	s := api.Services[0]
	var auths []string
	for _, sc := range s.Schemes {
		auths = append(auths, sc.FuncName)
	}
	if len(auths) != 2 || auths[0] != "JWTAuth" || auths[1] != "APIKeyAuth" {
		t.Errorf("auth functions = %v, want one per scheme kind: [JWTAuth APIKeyAuth]", auths)
	}
	want := map[string]methodData{
		"join":  {PayloadRef: "*rooms.JoinPayload", ResultRef: "bool"},
		"watch": {PayloadRef: "*rooms.WatchPayload", Streaming: true},
		"ping":  {},
	}
	for _, m := range s.Methods {
		w := want[m.Name]
		if m.PayloadRef != w.PayloadRef || m.ResultRef != w.ResultRef || m.Streaming != w.Streaming {
			t.Errorf("%s = %+v, want %+v", m.Name, *m, w)
		}
	}
	files, err := Files("example.com/my/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if len(paths) != 3 || paths[0] != "rooms.go" || paths[1] != "cmd/myapi/main.go" || paths[2] != "cmd/myapi-cli/main.go" {
		t.Errorf("paths = %v", paths)
	}
}
