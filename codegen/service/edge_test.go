package service_test

import (
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// TestEdgeDesignsBuildAndVet generates small designs that stress naming and
// types, and checks that the generated package builds and passes go vet.
func TestEdgeDesignsBuildAndVet(t *testing.T) {
	designs := []struct {
		name   string
		design func()
	}{
		{"recursive and primitive user types", func() {
			var Node = Type("node", func() {
				Attribute("value", Int32, func() { Enum(1, 2, 3) })
				Attribute("children", ArrayOf("node"))
				Attribute("parent", "node")
				Attribute("meta", MapOf(String, Any))
			})
			var Color = Type("Color", String, func() { Enum("red", "green") })
			var UUIDs = Type("UUIDs", ArrayOf(String, func() { Format(FormatUUID) }), func() { MinLength(1) })
			Service("tree-service", func() {
				Method("walk", func() {
					Payload(func() {
						Attribute("root", Node)
						Attribute("color", Color, func() { Default("red") })
						Attribute("ids", UUIDs)
						Attribute("flag", Boolean, func() { Default(true) })
						Attribute("ratio", Float32, func() { ExclusiveMinimum(0); Maximum(1.5) })
						Attribute("count", UInt, func() { Minimum(-1); Maximum(10) })
						Required("root", "ids")
					})
					Result(ArrayOf(Node))
					HTTP(func() { POST("/walk") })
				})
			})
		}},
		{"streams of every kind without payload", func() {
			var Msg = ResultType("application/vnd.msg", func() {
				Attributes(func() { Attribute("text", String); Attribute("id", String) })
			})
			Service("stream", func() {
				Error("gone", func() { Fault() })
				Method("down", func() { StreamingResult(Msg); HTTP(func() { GET("/down") }) })
				Method("up", func() { StreamingPayload(Msg); Result(Msg); HTTP(func() { GET("/up") }) })
				Method("both", func() {
					StreamingPayload(ArrayOf(Int))
					StreamingResult(MapOf(String, Int))
					HTTP(func() { GET("/both") })
				})
				Method("func", func() { Payload(Int); Result(Msg); HTTP(func() { POST("/func") }) })
			})
		}},
		{"API key in a header and basic auth with optional fields", func() {
			var Key = APIKeySecurity("key")
			var Basic = BasicAuthSecurity("basic")
			var Denied = Type("Denied", func() { Attribute("message", String) })
			Service("vault", func() {
				Security(Key, Basic)
				Error("denied", Denied)
				Error("busy", func() { Temporary(); Timeout() })
				Method("open", func() {
					Payload(func() {
						APIKey("key", "api_key", String)
						Username("user", String)
						Password("pass", String)
					})
					HTTP(func() { POST("/open"); Header("api_key:X-API-Key") })
				})
			})
		}},
	}
	for _, d := range designs {
		t.Run(d.name, func(t *testing.T) {
			eval.Reset()
			API("edge", func() {})
			d.design()
			if err := eval.RunDSL(); err != nil {
				t.Fatalf("design: %v", err)
			}
			files, err := service.Files("example.com/edge/gen", expr.Root)
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				for _, f := range files {
					t.Logf("%s:\n%s", f.Path, f.Content)
				}
			}
			gentest.BuildAndVet(t, "example.com/edge", files)
		})
	}
}

func TestNameClashesFailWithThePositionOfTheType(t *testing.T) {
	eval.Reset()
	API("edge", func() {})
	var Client = Type("Client", func() { Attribute("name", String) })
	Service("crm", func() {
		Method("add", func() { Payload(Client); HTTP(func() { POST("/add") }) })
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("design: %v", err)
	}
	_, err := service.Files("example.com/edge/gen", expr.Root)
	if err == nil {
		t.Fatal("a type named Client was accepted; the generated package would not compile")
	}
	t.Log(err)
	for _, want := range []string{"edge_test.go:", `type "Client"`, "Client struct"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
