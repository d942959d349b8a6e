package dsl_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// wantLine returns the line of the caller's file holding the marker
// "// want:" + name, so that expected positions follow edits of the file.
func wantLine(t *testing.T, name string) int {
	t.Helper()
	_, file, _, _ := runtime.Caller(1)
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read test source: %v", err)
	}
	marker := "// want:" + name
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), marker) {
			if line != 0 {
				t.Fatalf("marker %q appears twice", marker)
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("marker %q not found", marker)
	}
	return line
}

var jwtScheme *expr.SchemeExpr

// api declares the API and a JWT scheme shared by the cases.
func api() {
	API("rules", func() {})
	jwtScheme = JWTSecurity("jwt")
}

// ruleCases covers every design rule: each case declares a design with one
// offending DSL call, marked "// want:<case name>", and lists what the
// error message must say besides the position.
var ruleCases = []struct {
	name   string
	design func()
	want   []string
}{
	{"streaming result mapped to POST", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					POST("/feed") // want:streaming result mapped to POST
				})
			})
		})
	}, []string{`method "feed"`, "must be mapped to GET", `GET("/feed")`}},

	{"bidirectional stream mapped to PUT", func() {
		Service("s", func() {
			Method("chat", func() {
				StreamingPayload(String)
				StreamingResult(String)
				HTTP(func() {
					PUT("/chat") // want:bidirectional stream mapped to PUT
				})
			})
		})
	}, []string{`method "chat"`, "StreamingPayload and StreamingResult", "GET"}},

	{"client stream mapped to DELETE", func() {
		Service("s", func() {
			Method("upload", func() {
				StreamingPayload(String)
				HTTP(func() {
					DELETE("/upload") // want:client stream mapped to DELETE
				})
			})
		})
	}, []string{`method "upload"`, "StreamingPayload", "GET"}},

	{"streaming payload attribute needing a body", func() {
		Service("s", func() {
			Method("watch", func() {
				Payload(func() {
					Attribute("filter", String) // want:streaming payload attribute needing a body
				})
				StreamingResult(String)
				HTTP(func() { GET("/watch") })
			})
		})
	}, []string{`method "watch"`, `"filter"`, `Param("filter")`, "no body"}},

	{"streaming payload of a user type needing a body", func() {
		criteria := Type("Criteria", func() {
			Attribute("room", String)
			Attribute("since", Int64) // want:streaming payload of a user type needing a body
		})
		Service("s", func() {
			Method("watch", func() {
				Payload(criteria)
				StreamingResult(String)
				HTTP(func() {
					GET("/watch")
					Param("room")
				})
			})
		})
	}, []string{`method "watch"`, `"since"`, `Param("since")`}},

	{"streaming primitive payload not mapped", func() {
		Service("s", func() {
			Method("watch", func() {
				Payload(String) // want:streaming primitive payload not mapped
				StreamingResult(String)
				HTTP(func() { GET("/watch") })
			})
		})
	}, []string{`method "watch"`, "Param"}},

	{"streaming method with an explicit body", func() {
		Service("s", func() {
			Method("watch", func() {
				Payload(func() { Attribute("filter", String) })
				StreamingResult(String)
				HTTP(func() {
					GET("/watch")
					Param("filter")
					Body("filter") // want:streaming method with an explicit body
				})
			})
		})
	}, []string{`method "watch"`, "remove Body"}},

	{"Required naming a missing attribute", func() {
		Service("s", func() {
			Method("post", func() {
				Payload(func() {
					Attribute("text", String)
					Required("txt") // want:Required naming a missing attribute
				})
				HTTP(func() { POST("/post") })
			})
		})
	}, []string{`method "post"`, `Required("txt")`, "text"}},

	{"Required naming a missing attribute of a type", func() {
		msg := Type("Msg", func() {
			Attribute("text", String)
			Required("body") // want:Required naming a missing attribute of a type
		})
		Service("s", func() {
			Method("post", func() {
				Payload(msg)
				HTTP(func() { POST("/post") })
			})
		})
	}, []string{`method "post"`, `type "Msg"`, `Required("body")`}},

	{"View naming an attribute absent from the result type", func() {
		ev := ResultType("application/vnd.event", func() {
			Attributes(func() { Attribute("message", String) })
			View("tiny", func() {
				Attribute("msg") // want:View naming an attribute absent from the result type
			})
		})
		Service("s", func() {
			Method("events", func() {
				StreamingResult(ev)
				HTTP(func() { GET("/events") })
			})
		})
	}, []string{`method "events"`, `view "tiny"`, `"msg"`, `"Event"`}},

	{"View in a Type streamed as a result", func() {
		ev := Type("Event", func() {
			Attribute("message", String)
			View("tiny", func() { Attribute("message") }) // want:View in a Type streamed as a result
		})
		Service("s", func() {
			Method("events", func() {
				StreamingResult(ev)
				HTTP(func() { GET("/events") })
			})
		})
	}, []string{`method "events"`, `View("tiny")`, "ResultType"}},

	{"View selected on a result that is not a ResultType", func() {
		ev := Type("Event", func() { Attribute("message", String) })
		Service("s", func() {
			Method("events", func() {
				StreamingResult(ev, func() {
					View("tiny") // want:View selected on a result that is not a ResultType
				})
				HTTP(func() { GET("/events") })
			})
		})
	}, []string{`method "events"`, `View("tiny")`, "not a ResultType"}},

	{"View selecting an unknown view", func() {
		ev := ResultType("application/vnd.event", func() {
			Attributes(func() { Attribute("message", String) })
		})
		Service("s", func() {
			Method("events", func() {
				StreamingResult(ev, func() {
					View("huge") // want:View selecting an unknown view
				})
				HTTP(func() { GET("/events") })
			})
		})
	}, []string{`method "events"`, `View("huge")`, `"default"`}},

	{"duplicate method names", func() {
		Service("s", func() {
			Method("ping", func() { HTTP(func() { GET("/ping") }) })
			Method("ping", func() { HTTP(func() { GET("/ping2") }) }) // want:duplicate method names
		})
	}, []string{`method "ping" is defined twice in service "s"`, "rename"}},

	{"duplicate HTTP routes", func() {
		Service("a", func() {
			Method("list", func() { HTTP(func() { GET("/items/{id}") }); Payload(func() { Attribute("id", String) }) })
		})
		Service("b", func() {
			Method("show", func() {
				Payload(func() { Attribute("key", String) })
				HTTP(func() {
					GET("/items/{key}") // want:duplicate HTTP routes
				})
			})
		})
	}, []string{`method "show"`, `method "list"`, "GET /items/{key}"}},

	{"Param of an object type", func() {
		Service("s", func() {
			Method("search", func() {
				Payload(func() {
					Attribute("filter", func() { Attribute("room", String) })
				})
				StreamingResult(String)
				HTTP(func() {
					GET("/search")
					Param("filter") // want:Param of an object type
				})
			})
		})
	}, []string{`method "search"`, `Param("filter")`, "query string"}},

	{"Param of a map type", func() {
		Service("s", func() {
			Method("search", func() {
				Payload(func() { Attribute("tags", MapOf(String, String)) })
				HTTP(func() {
					GET("/search")
					Param("tags") // want:Param of a map type
				})
			})
		})
	}, []string{`method "search"`, `Param("tags")`, "map"}},

	{"Param of an array of objects", func() {
		point := Type("Point", func() { Attribute("x", Int) })
		Service("s", func() {
			Method("search", func() {
				Payload(func() { Attribute("points", ArrayOf(point)) })
				HTTP(func() {
					GET("/search")
					Param("points") // want:Param of an array of objects
				})
			})
		})
	}, []string{`method "search"`, `Param("points")`, "array of Point"}},

	{"Param of type Any", func() {
		Service("s", func() {
			Method("search", func() {
				Payload(func() { Attribute("q", Any) })
				HTTP(func() {
					GET("/search")
					Param("q") // want:Param of type Any
				})
			})
		})
	}, []string{`method "search"`, `Param("q")`, "any"}},

	{"Header of an object type", func() {
		Service("s", func() {
			Method("search", func() {
				Payload(func() { Attribute("meta", func() { Attribute("a", String) }) })
				HTTP(func() {
					GET("/search")
					Header("meta:X-Meta") // want:Header of an object type
				})
			})
		})
	}, []string{`method "search"`, `Header("meta")`, "header"}},

	{"Param naming no payload attribute", func() {
		Service("s", func() {
			Method("search", func() {
				Payload(func() { Attribute("q", String) })
				HTTP(func() {
					GET("/search")
					Param("query") // want:Param naming no payload attribute
				})
			})
		})
	}, []string{`method "search"`, `Param("query")`, "no attribute"}},

	{"route wildcard naming no payload attribute", func() {
		Service("s", func() {
			Method("show", func() {
				HTTP(func() {
					GET("/items/{id}") // want:route wildcard naming no payload attribute
				})
			})
		})
	}, []string{`method "show"`, "{id}", `Attribute("id", String)`}},

	{"Enum value of the wrong type", func() {
		Service("s", func() {
			Method("set", func() {
				Payload(func() {
					Attribute("level", Int, func() {
						Enum(1, 2, "three") // want:Enum value of the wrong type
					})
				})
				HTTP(func() { POST("/set") })
			})
		})
	}, []string{`method "set"`, `"three"`, "level"}},

	{"Minimum greater than Maximum", func() {
		Service("s", func() {
			Method("list", func() {
				Payload(func() {
					Attribute("limit", Int, func() {
						Minimum(10)
						Maximum(5) // want:Minimum greater than Maximum
					})
				})
				HTTP(func() { GET("/list"); Param("limit") })
			})
		})
	}, []string{`method "list"`, "Minimum 10 is greater than Maximum 5", "limit"}},

	{"MinLength greater than MaxLength", func() {
		Service("s", func() {
			Method("post", func() {
				Payload(func() {
					Attribute("text", String, func() {
						MinLength(10)
						MaxLength(2) // want:MinLength greater than MaxLength
					})
				})
				HTTP(func() { POST("/post") })
			})
		})
	}, []string{`method "post"`, "MinLength 10 is greater than MaxLength 2"}},

	{"Default of the wrong type", func() {
		Service("s", func() {
			Method("list", func() {
				Payload(func() {
					Attribute("limit", Int, func() {
						Default("fifty") // want:Default of the wrong type
					})
				})
				HTTP(func() { GET("/list"); Param("limit") })
			})
		})
	}, []string{`method "list"`, `Default "fifty"`, "int"}},

	{"Default not in Enum", func() {
		Service("s", func() {
			Method("list", func() {
				Payload(func() {
					Attribute("view", String, func() {
						Enum("tiny", "full")
						Default("huge") // want:Default not in Enum
					})
				})
				HTTP(func() { GET("/list"); Param("view") })
			})
		})
	}, []string{`method "list"`, `Default "huge"`, "Enum"}},

	{"method without HTTP", func() {
		Service("s", func() {
			Method("lost", func() { // want:method without HTTP
				Payload(String)
			})
		})
	}, []string{`method "lost"`, "no HTTP route", `POST("/lost")`}},

	{"security scheme without its payload attribute", func() {
		Service("s", func() {
			Method("secret", func() {
				Security(jwtScheme) // want:security scheme without its payload attribute
				StreamingResult(String)
				HTTP(func() { GET("/secret") })
			})
		})
	}, []string{`method "secret"`, `Token("token", String)`}},

	{"WebSocket on a unary method", func() {
		Service("s", func() {
			Method("get", func() {
				HTTP(func() {
					GET("/get")
					WebSocket(func() { Resumable() }) // want:WebSocket on a unary method
				})
			})
		})
	}, []string{`method "get"`, "does not stream"}},

	{"SendQueue with an unknown policy", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					WebSocket(func() {
						SendQueue(10, "drop_newest") // want:SendQueue with an unknown policy
					})
				})
			})
		})
	}, []string{`method "feed"`, `"drop_newest"`, "DropOldest"}},

	{"Heartbeat timeout not longer than the interval", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					WebSocket(func() {
						Heartbeat(30*time.Second, 10*time.Second) // want:Heartbeat timeout not longer than the interval
					})
				})
			})
		})
	}, []string{`method "feed"`, "must be longer than the interval"}},

	{"WriteDelay of seconds", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					WebSocket(func() {
						WriteDelay(5 * time.Second) // want:WriteDelay of seconds
					})
				})
			})
		})
	}, []string{`method "feed"`, "WriteDelay", "under a second", "5s"}},

	{"MessageRate of zero", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingPayload(String)
				HTTP(func() {
					GET("/feed")
					WebSocket(func() {
						MessageRate(0, 10) // want:MessageRate of zero
					})
				})
			})
		})
	}, []string{`method "feed"`, "MessageRate", "positive number of messages a second", "got 0"}},

	{"SubjectRate without a burst", func() {
		Service("s", func() {
			Method("post", func() {
				Payload(String)
				HTTP(func() {
					POST("/posts")
					SubjectRate(10, 0) // want:SubjectRate without a burst
				})
			})
		})
	}, []string{`method "post"`, "SubjectRate", "burst must be at least 1", "got 0"}},

	{"SubjectRate in the HTTP block of a stream", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					SubjectRate(10, 20) // want:SubjectRate in the HTTP block of a stream
				})
			})
		})
	}, []string{`method "feed"`, "SubjectRate", "move it into the WebSocket block"}},

	{"MessageRate outside a WebSocket block", func() {
		Service("s", func() {
			Method("post", func() {
				Payload(String)
				HTTP(func() {
					POST("/posts")
					MessageRate(10, 20) // want:MessageRate outside a WebSocket block
				})
			})
		})
	}, []string{"MessageRate", "WebSocket block"}},

	{"Subprotocol that is not a token", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					WebSocket(func() {
						Subprotocol("chat v1") // want:Subprotocol that is not a token
					})
				})
			})
		})
	}, []string{`method "feed"`, `Subprotocol "chat v1"`}},

	{"Response naming an unknown error", func() {
		Service("s", func() {
			Method("get", func() {
				HTTP(func() {
					GET("/get")
					Response("not_found", StatusNotFound) // want:Response naming an unknown error
				})
			})
		})
	}, []string{`method "get"`, `Response("not_found")`, `Error("not_found")`}},

	{"JSONRPC block", func() {
		Service("s", func() {
			Method("get", func() {
				HTTP(func() { GET("/get") })
				JSONRPC(func() {}) // want:JSONRPC block
			})
		})
	}, []string{`method "get"`, "JSONRPC transport is not supported by Duplex", "not supported yet"}},

	{"Files outside a Service", func() {
		Service("s", func() {
			Method("get", func() {
				HTTP(func() { GET("/get") })
				Files("/static/{*path}", "./public") // want:Files outside a Service
			})
		})
	}, []string{"Files must appear in a Service"}},

	{"ServerSentEvents on a unary method", func() {
		Service("s", func() {
			Method("get", func() {
				Result(String)
				HTTP(func() {
					GET("/get")
					ServerSentEvents() // want:ServerSentEvents on a unary method
				})
			})
		})
	}, []string{`method "get"`, "ServerSentEvents needs a server→client stream"}},

	{"SSEEventID naming no attribute", func() {
		Service("s", func() {
			Method("events", func() {
				StreamingResult(func() { Attribute("n", Int) })
				HTTP(func() {
					GET("/events")
					ServerSentEvents(func() {
						SSEEventID("id") // want:SSEEventID naming no attribute
					})
				})
			})
		})
	}, []string{`method "events"`, `SSEEventID("id") names no attribute of the result`}},

	{"SSEEventRetry on a string", func() {
		Service("s", func() {
			Method("events", func() {
				StreamingResult(func() { Attribute("retry", String) })
				HTTP(func() {
					GET("/events")
					ServerSentEvents(func() {
						SSEEventRetry("retry") // want:SSEEventRetry on a string
					})
				})
			})
		})
	}, []string{`method "events"`, `SSEEventRetry("retry"): the attribute is string, it must be int`}},

	{"SSERequestID on an int", func() {
		Service("s", func() {
			Method("events", func() {
				Payload(func() { Attribute("since", Int) })
				StreamingResult(String)
				HTTP(func() {
					GET("/events")
					Param("since")
					ServerSentEvents(func() {
						SSERequestID("since") // want:SSERequestID on an int
					})
				})
			})
		})
	}, []string{`method "events"`, `SSERequestID("since"): the attribute is int, it must be string`}},

	{"ServerSentEvents data on a string result", func() {
		Service("s", func() {
			Method("events", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/events")
					ServerSentEvents("text") // want:ServerSentEvents data on a string result
				})
			})
		})
	}, []string{`method "events"`, `SSEEventData("text") needs an object result`}},

	{"SSEEventType outside ServerSentEvents", func() {
		Service("s", func() {
			Method("events", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/events")
					SSEEventType("kind") // want:SSEEventType outside ServerSentEvents
				})
			})
		})
	}, []string{"SSEEventType must appear in ServerSentEvents"}},

	{"MultipartRequest", func() {
		Service("s", func() {
			Method("upload", func() {
				Payload(Bytes)
				HTTP(func() {
					POST("/upload")
					MultipartRequest() // want:MultipartRequest
				})
			})
		})
	}, []string{`method "upload"`, "MultipartRequest is not supported by Duplex"}},

	{"GRPC Message", func() {
		Service("s", func() {
			Method("get", func() {
				HTTP(func() { GET("/get") })
				Message(func() {}) // want:GRPC Message
			})
		})
	}, []string{`method "get"`, "not supported by Duplex"}},

	{"Payload outside a Method", func() {
		Type("T", func() {
			Payload(String) // want:Payload outside a Method
		})
	}, []string{"Payload must appear in a Method", `Type "T"`}},

	{"Param outside the HTTP block", func() {
		Service("s", func() {
			Method("get", func() {
				Param("q") // want:Param outside the HTTP block
				HTTP(func() { GET("/get") })
			})
		})
	}, []string{`Method "get"`, "Param must appear in the HTTP block of a Method"}},

	{"Method at the top level", func() {
		Method("orphan", func() {}) // want:Method at the top level
	}, []string{"Method must appear in a Service, not at the top level"}},

	{"Service inside a Service", func() {
		Service("outer", func() {
			Service("inner", func() {}) // want:Service inside a Service
		})
	}, []string{"Service must appear at the top level", `Service "outer"`}},

	{"panic in a design function", func() {
		Service("s", func() {
			Method("boom", func() {
				var m map[string]int
				//lint:ignore SA5000 the design function must panic: the case checks how the panic is reported
				m["x"] = 1 // want:panic in a design function
			})
		})
	}, []string{"panicked", "assignment to entry in nil map"}},

	{"SSEFallback on a bidirectional method", func() {
		Service("s", func() {
			Method("chat", func() {
				SSEFallback() // want:SSEFallback on a bidirectional method
				StreamingPayload(String)
				StreamingResult(String)
				HTTP(func() { GET("/chat") })
			})
		})
	}, []string{`method "chat"`, "SSEFallback needs a server→client stream"}},

	{"SSEFallback in an HTTP block", func() {
		Service("s", func() {
			Method("feed", func() {
				StreamingResult(String)
				HTTP(func() {
					GET("/feed")
					SSEFallback() // want:SSEFallback in an HTTP block
				})
			})
		})
	}, []string{"SSEFallback must appear in the API, a Service or a Method"}},
}

func TestDesignRules(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.name, func(t *testing.T) {
			line := wantLine(t, c.name)
			eval.Reset()
			t.Cleanup(eval.Reset)
			api()
			c.design()
			err := eval.RunDSL()
			if err == nil {
				t.Fatal("RunDSL returned no error")
			}
			var merr *eval.MultiError
			if !errors.As(err, &merr) {
				t.Fatalf("RunDSL error is %T, want *eval.MultiError", err)
			}
			pos := fmt.Sprintf("rules_test.go:%d: ", line)
			for _, e := range merr.Errors {
				if msg := e.Error(); strings.HasPrefix(msg, pos) && containsAll(msg, c.want) {
					return
				}
			}
			t.Errorf("no error at %s containing %q; got:\n%v", pos, c.want, err)
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestGRPCBlockWarns: a Goa design with GRPC blocks (on the service and on
// a method, using Goa's gRPC functions and codes) evaluates without error;
// each block gives one warning at its position, and the blocks' content is
// not evaluated.
func TestGRPCBlockWarns(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	api()
	Service("s", func() {
		GRPC(func() { Package("s.v1") }) // want:service GRPC block
		Error("not_found")
		Method("get", func() {
			Payload(func() { Attribute("id", String) })
			Result(String)
			Error("not_found")
			HTTP(func() {
				GET("/get/{id}")
				Response("not_found", StatusNotFound)
			})
			GRPC(func() { // want:method GRPC block
				Message(func() { Attribute("id") })
				Metadata(func() { Attribute("id") })
				Trailers(func() {})
				Response(CodeOK)
				Response("not_found", CodeNotFound)
			})
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatalf("RunDSL: %v", err)
	}
	got := eval.Warnings()
	want := []struct {
		line int
		msg  string
	}{
		{wantLine(t, "service GRPC block"), `(service "s")`},
		{wantLine(t, "method GRPC block"), `(method "get")`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d warnings, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		msg := got[i].Error()
		if !strings.HasPrefix(msg, fmt.Sprintf("rules_test.go:%d: ", w.line)) ||
			!containsAll(msg, []string{"GRPC block skipped", "does not generate gRPC", w.msg}) {
			t.Errorf("warning %d = %q, want at line %d containing %q", i, msg, w.line, w.msg)
		}
	}
}

// TestGoaOnlyFunctionsCompile: Randomizer (ignored with a warning)
// exists, so Goa designs using it compile and are told what Duplex does
// with it; CookieSameSite outside a Response says where it belongs.
func TestGoaOnlyFunctionsCompile(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	API("a", func() { Randomizer(nil) })
	Service("s", func() {
		Method("m", func() {
			HTTP(func() {
				GET("/m")
				CookieSameSite(CookieSameSiteStrict)
			})
		})
	})
	err := eval.RunDSL()
	if err == nil || !strings.Contains(err.Error(), "CookieSameSite must appear in a Response") {
		t.Errorf("RunDSL: %v, want CookieSameSite to be placed in a Response", err)
	}
	if w := eval.Warnings(); len(w) != 1 || !strings.Contains(w[0].Message, "Randomizer ignored") {
		t.Errorf("warnings %v, want one about Randomizer", w)
	}
}
