package service_test

import (
	"testing"

	"duplex.dev/codegen/example"
	"duplex.dev/codegen/httpgen"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/openapi"
	"duplex.dev/codegen/service"
	"duplex.dev/codegen/tsgen"
	. "duplex.dev/dsl"
)

func TestUnionsMatchGoldenFiles(t *testing.T) {
	files, err := service.Files("example.com/unions/gen", gentest.Design(t, gentest.Unions))
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/unions", files)
}

// TestUnionShapesBuild: unions in a result type with views (streamed with
// SetView), a recursive union (a variant of the type holding it), variants
// that are arrays, maps and primitives with validations, an optional union
// and a union in an error type generate Go code that builds and passes go
// vet, with the HTTP code and the example scaffold; the API documents and
// the TypeScript client generate.
func TestUnionShapesBuild(t *testing.T) {
	root := gentest.Design(t, func() {
		API("shapes", func() {})
		node := Type("Node", func() {
			Attribute("name", String)
			OneOf("next", func() {
				Attribute("node", "Node")
				Attribute("leaf", Int, func() { Minimum(1) })
			})
			Required("name")
		})
		item := ResultType("application/vnd.item", func() {
			TypeName("Item")
			Attributes(func() {
				Attribute("id", String)
				OneOf("body", func() {
					Attribute("tags", ArrayOf(String), func() { MaxLength(3) })
					Attribute("labels", MapOf(String, Int))
					Attribute("tree", node)
				})
				Required("id", "body")
			})
			View("default", func() { Attribute("id"); Attribute("body") })
			View("tiny", func() { Attribute("id") })
		})
		problem := Type("Problem", func() {
			Attribute("message", String)
			OneOf("detail", func() {
				Attribute("code", Int)
				Attribute("text", String)
			})
		})
		Service("shapes", func() {
			Error("problem", problem)
			Method("watch", func() {
				StreamingResult(item)
				Error("problem")
				HTTP(func() { GET("/watch"); Response("problem", StatusBadRequest) })
			})
			Method("put", func() {
				Payload(node)
				Result(item)
				HTTP(func() { POST("/put") })
			})
		})
	})
	files, err := service.Files("example.com/shapes/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	hf, err := httpgen.Files("example.com/shapes/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := example.Files("example.com/shapes/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	// The documents and the TypeScript client of the same design (a
	// recursive union included) generate too.
	if _, err := openapi.Files("example.com/shapes/gen", root); err != nil {
		t.Fatal(err)
	}
	if _, err := tsgen.Files("example.com/shapes/gen", root); err != nil {
		t.Fatal(err)
	}
	gentest.BuildAndVet(t, "example.com/shapes", append(append(files, hf...), ex...))
}
