package gentest

import (
	"time"

	. "duplex.dev/dsl"
)

// Features is a design that uses what the chat design does not, shared by
// the document and TypeScript generators' tests: several services, API
// keys in headers, OAuth2, JWT headers on a stream, every primitive, maps,
// nested and recursive user types, the default error type, two errors with
// one status, response headers, a body attribute and a client stream
// without result.
func Features() {
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
				SubjectRate(10, 20)
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
					WriteDelay(10 * time.Millisecond)
					MessageRate(50, 100)
					SubjectRate(0.5, 200)
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
