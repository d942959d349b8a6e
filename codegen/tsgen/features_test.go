package tsgen_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/tsgen"
	"duplex.dev/codegen/tsgen/internal/nodetest"
	. "duplex.dev/dsl"
)

// featuresDesign is codegen/openapi's feature design: several services, API
// keys in headers, OAuth2, JWT headers on a stream, every primitive, maps,
// nested and recursive user types, views, the default error type, a body
// attribute and a client stream without result.
func featuresDesign() {
	API("features", func() {
		Title("Features")
		Version("2.0")
		Server("main", func() {
			Host("dev", func() { URI("http://localhost:8000/api") })
			Host("prod", func() { URI("https://example.com/api") })
		})
	})
	key := APIKeySecurity("key", func() { Description("API key.") })
	oauth := OAuth2Security("oauth", func() {
		ClientCredentialsFlow("https://auth.example.com/token", "")
		Scope("read", "Read things")
	})
	jwt := JWTSecurity("jwt")
	node := Type("Node", func() {
		Attribute("name", String, func() { MinLength(1) })
		Attribute("children", ArrayOf("Node"), func() { MaxLength(10) })
		Required("name")
	})
	item := ResultType("application/vnd.item", func() {
		TypeName("Item")
		Attributes(func() {
			Attribute("id", String, func() { Format(FormatUUID) })
			Attribute("count", Int32, func() { Minimum(0); Maximum(100) })
			Attribute("size", UInt)
			Attribute("ratio", Float32)
			Attribute("ok", Boolean)
			Attribute("blob", Bytes)
			Attribute("extra", Any)
			Attribute("tags", MapOf(String, ArrayOf(String)))
			Attribute("tree", node)
			Required("id")
		})
		View("default", func() {
			Attribute("id")
			Attribute("count")
		})
		View("full", func() {
			Attribute("id")
			Attribute("count")
			Attribute("size")
			Attribute("ratio")
			Attribute("ok")
			Attribute("blob")
			Attribute("extra")
			Attribute("tags")
			Attribute("tree")
		})
	})
	Service("store", func() {
		Error("not_found")
		Error("gone", String)
		HTTP(func() {
			Path("/store")
			Response("not_found", StatusNotFound)
			Response("gone", StatusNotFound)
		})
		Method("get", func() {
			Security(key)
			Payload(func() {
				APIKey("key", "k", String)
				Attribute("id", String)
				Attribute("verbose", Boolean)
				Required("k", "id")
			})
			Result(item)
			HTTP(func() {
				GET("/items/{id}")
				Header("k:X-API-Key")
				Param("verbose")
				Response(StatusOK, func() { Header("etag:ETag") })
			})
		})
		Method("put", func() {
			Security(oauth, func() { Scope("read") })
			Payload(func() {
				AccessToken("token", String)
				Attribute("id", String)
				Attribute("item", item)
				Required("token", "id", "item")
			})
			HTTP(func() {
				PUT("/items/{id}")
				Body("item")
			})
		})
	})
	Service("feed", func() {
		Method("upload", func() {
			Security(jwt)
			Payload(func() {
				Token("token", String)
				Required("token")
			})
			StreamingPayload(node)
			HTTP(func() {
				GET("/upload")
				WebSocket(func() {
					Subprotocol("feed.v2", "feed.v1")
					ReadLimit(1 << 16)
					Heartbeat(10*time.Second, 30*time.Second)
				})
			})
		})
		Method("watch", func() {
			NoSecurity()
			Payload(func() {
				Attribute("since", Int64, func() { Minimum(0) })
				Attribute("kinds", ArrayOf(String, func() { Enum("a", "b") }))
			})
			StreamingResult(CollectionOf(item))
			HTTP(func() {
				GET("/watch")
				Param("since")
				Param("kinds")
				WebSocket(func() { Resumable() })
			})
		})
	})
}

func TestFeaturesClientMatchesGoldenAndTypeChecks(t *testing.T) {
	root := gentest.Design(t, featuresDesign)
	files, err := tsgen.Files("example.com/features/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, filepath.Join("testdata", "features"), files)

	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, files)
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if len(ts) != 3 {
		t.Fatalf("expected duplex.ts, store.ts and feed.ts, got %v", ts)
	}
	if out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), ts...)...); err != nil {
		t.Fatalf("tsc --strict --noEmit: %v\n%s", err, out)
	}
}

func TestDesignTypeNamesDoNotClashWithTheClient(t *testing.T) {
	root := gentest.Design(t, func() {
		API("names", func() {})
		client := Type("Client", func() {
			Attribute("name", String)
		})
		schema := Type("Schema", func() {
			Attribute("client", client)
		})
		request := Type("Request", func() {
			Attribute("schema", schema)
			Attribute("transport", String)
		})
		Service("registry", func() {
			Method("register", func() {
				Payload(request)
				Result(client)
				HTTP(func() { POST("/register") })
			})
		})
	})
	files, err := tsgen.Files("example.com/names/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, f := range files {
		if f.Path == "gen/ts/registry.ts" {
			src = string(f.Content)
		}
	}
	if !strings.Contains(src, "export interface ClientType {") {
		t.Errorf("the design type Client was not renamed ClientType:\n%s", src)
	}
	npm := nodetest.NPMDir(t)
	dir := t.TempDir()
	nodetest.WriteFiles(t, dir, files)
	ts, _ := filepath.Glob(filepath.Join(dir, "gen", "ts", "*.ts"))
	if out, err := nodetest.TSC(t, npm, dir, append(append([]string{"--noEmit"}, nodetest.TSCFlags...), ts...)...); err != nil {
		t.Fatalf("tsc --strict --noEmit: %v\n%s", err, out)
	}
}
