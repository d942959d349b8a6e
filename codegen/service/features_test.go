package service_test

import (
	"os"
	"path/filepath"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// shopDSL declares a design that uses what the chat design does not:
// validations of every kind, defaults, nested and anonymous types (required
// attributes in nested named and anonymous objects), arrays and maps, a user type error and default-type errors, a collection, a unary
// result with views, API key, OAuth2 and alternative requirements, methods
// without payload or result, a primitive payload and a client stream without
// result.
func shopDSL(t *testing.T) *expr.RootExpr {
	t.Helper()
	eval.Reset()
	API("shop", func() { Version("2.0") })
	var APIKeyAuth = APIKeySecurity("api_key")
	var JWTAuth = JWTSecurity("jwt", func() { Scope("admin") })
	var OAuth = OAuth2Security("oauth2", func() {
		ClientCredentialsFlow("http://auth.example.com/token", "")
		Scope("read")
	})
	var Origin = Type("Origin", func() {
		Attribute("country", String)
		Attribute("city", String)
		Required("country")
	})
	var Tag = Type("Tag", func() {
		Description("Tag labels an item.")
		Attribute("name", String, func() { Pattern("^[a-z]+$"); MinLength(1) })
		Attribute("weight", Float64, func() { Minimum(0); Maximum(1) })
		Attribute("origin", Origin)
		Attribute("source", func() {
			Attribute("url", String)
			Attribute("rank", Int)
			Attribute("meta", func() {
				Attribute("lang", String)
				Required("lang")
			})
			Required("url")
		})
		Required("name")
	})
	var Item = ResultType("application/vnd.shop.item", func() {
		TypeName("Item")
		Attributes(func() {
			Attribute("id", Int64, "Identifier of the item.", func() { Minimum(1) })
			Attribute("name", String)
			Attribute("tags", ArrayOf(Tag), func() { MaxLength(10) })
			Attribute("labels", MapOf(String, Int))
			Attribute("owner", func() {
				Attribute("email", String, func() { Format(FormatEmail) })
				Required("email")
			})
			Attribute("status", String, func() { Enum("new", "sold"); Default("new") })
			Attribute("price", Float32)
			Attribute("data", Bytes)
			Required("id", "name")
		})
		View("default", func() {
			Attribute("id")
			Attribute("name")
			Attribute("tags")
			Attribute("owner")
			Attribute("status")
		})
		View("summary", func() { Attribute("id"); Attribute("name") })
	})
	var NotFound = Type("NotFound", func() {
		Attribute("message", String)
		Attribute("id", Int64)
		Required("message", "id")
	})
	Service("shop", func() {
		Description("The shop service sells items.")
		Error("not_found", NotFound)
		Error("rate_limited", func() { Temporary() })
		Error("bad_request")
		Method("show_item", func() {
			Description("Show an item.")
			Security(APIKeyAuth)
			Security(JWTAuth, func() { Scope("admin") })
			Payload(func() {
				APIKey("api_key", "key", String)
				Token("token", String)
				Attribute("id", Int64, func() { Minimum(1) })
				Required("id")
			})
			Result(Item)
			HTTP(func() { GET("/items/{id}"); Param("key") })
		})
		Method("list_items", func() {
			NoSecurity()
			Payload(func() {
				Attribute("limit", Int, func() { Default(20); Minimum(1); Maximum(100) })
				Attribute("labels", ArrayOf(String, func() { MinLength(2) }))
			})
			Result(CollectionOf(Item), func() { View("summary") })
			HTTP(func() { GET("/items"); Param("limit"); Param("labels") })
		})
		Method("ping", func() { NoSecurity(); HTTP(func() { POST("/ping") }) })
		Method("rename", func() {
			NoSecurity()
			Payload(String, func() { MinLength(3) })
			Result(String)
			HTTP(func() { POST("/rename") })
		})
		Method("watch", func() {
			Security(OAuth)
			Payload(func() { AccessToken("token", String) })
			StreamingPayload(Tag)
			StreamingResult(Item)
			HTTP(func() { GET("/watch") })
		})
		Method("upload", func() {
			NoSecurity()
			StreamingPayload(Bytes)
			HTTP(func() { GET("/upload") })
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("design: %v", err)
	}
	return expr.Root
}

func TestShopMatchesGoldenFilesAndCompiles(t *testing.T) {
	files, err := service.Files("example.com/shop/gen", shopDSL(t))
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/shop", files)
	if testing.Short() {
		return
	}
	b, err := os.ReadFile(filepath.Join("testdata", "shopcheck", "shop_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gentest.Module(t, "example.com/shop", files, map[string]string{"gen/shop/shop_test.go": string(b)})
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-count=1", "-v", "./..."))
}
