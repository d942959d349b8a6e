package httpgen

import (
	"strings"
	"testing"
	"time"

	"duplex.dev/dsl"

	"duplex.dev/codegen/example"
	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
)

// chatDesign is the chat design of the guide (Goa's chat example), plus a
// unary method with path, query and header parameters and a WebSocket block.
func chatDesign() {
	dsl.API("chat", func() {
		dsl.Title("Chat")
		dsl.Version("1.0")
	})
	basic := dsl.BasicAuthSecurity("basic")
	jwt := dsl.JWTSecurity("jwt", func() {
		dsl.Scope("stream:read")
		dsl.Scope("stream:write")
	})
	event := dsl.ResultType("application/vnd.chat.event", func() {
		dsl.TypeName("Event")
		dsl.Attributes(func() {
			dsl.Attribute("message", dsl.String, func() { dsl.MaxLength(1024) })
			dsl.Attribute("action", dsl.String, func() { dsl.Enum("join", "leave", "message") })
			dsl.Attribute("timestamp", dsl.String, func() { dsl.Format(dsl.FormatDateTime) })
			dsl.Required("message", "action", "timestamp")
		})
		dsl.View("default", func() {
			dsl.Attribute("message")
			dsl.Attribute("action")
			dsl.Attribute("timestamp")
		})
		dsl.View("tiny", func() { dsl.Attribute("message") })
	})
	key := dsl.APIKeySecurity("key", func() {
		dsl.Description("API key in the X-API-Key header")
	})
	dsl.Service("chat", func() {
		dsl.Error("unauthorized", dsl.String)
		dsl.HTTP(func() {
			dsl.Response("unauthorized", dsl.StatusUnauthorized)
		})
		dsl.Method("login", func() {
			dsl.Security(basic)
			dsl.Payload(func() {
				dsl.Username("user", dsl.String)
				dsl.Password("password", dsl.String)
				dsl.Required("user", "password")
			})
			dsl.Result(dsl.String)
			dsl.HTTP(func() { dsl.POST("/login") })
		})
		dsl.Method("history", func() {
			dsl.NoSecurity()
			dsl.Payload(func() {
				dsl.Attribute("room", dsl.String)
				dsl.Attribute("limit", dsl.Int, func() {
					dsl.Minimum(1)
					dsl.Maximum(100)
				})
				dsl.Attribute("order", dsl.String, func() {
					dsl.Enum("asc", "desc")
					dsl.Default("asc")
				})
				dsl.Attribute("request_id", dsl.String)
				dsl.Required("room")
			})
			dsl.Result(dsl.ArrayOf(dsl.String))
			dsl.HTTP(func() {
				dsl.GET("/rooms/{room}/history")
				dsl.Param("limit")
				dsl.Param("order")
				dsl.Header("request_id:X-Request-ID")
			})
		})
		dsl.Method("search", func() {
			dsl.Security(key)
			dsl.Payload(func() {
				dsl.APIKey("key", "key", dsl.String)
				dsl.Attribute("page", dsl.Int)
				dsl.Attribute("tags", dsl.ArrayOf(dsl.String))
				dsl.Attribute("exact", dsl.Boolean, func() { dsl.Default(false) })
				dsl.Attribute("filter", dsl.String)
				dsl.Required("key", "page")
			})
			dsl.Result(dsl.ArrayOf(event))
			dsl.HTTP(func() {
				dsl.POST("/search/{page}")
				dsl.SubjectRate(10, 20)
				dsl.Header("key:X-API-Key")
				dsl.Param("tags")
				dsl.Param("exact")
			})
		})
		dsl.Method("feed", func() {
			dsl.Security(key)
			dsl.Payload(func() {
				dsl.APIKey("key", "key", dsl.String)
				dsl.Attribute("since", dsl.Int64)
				dsl.Required("key")
			})
			dsl.StreamingResult(dsl.String)
			dsl.HTTP(func() {
				dsl.GET("/feed")
				dsl.Param("key:api_key")
				dsl.Header("since:X-Since")
			})
		})
		dsl.Method("listener", func() {
			dsl.NoSecurity()
			dsl.StreamingPayload(func() {
				dsl.Attribute("message", dsl.String)
				dsl.Required("message")
			})
			dsl.HTTP(func() { dsl.GET("/listener") })
		})
		dsl.Method("count", func() {
			dsl.Security(jwt)
			dsl.Payload(func() {
				dsl.Token("token", dsl.String)
				dsl.Required("token")
			})
			dsl.StreamingPayload(dsl.Int)
			dsl.Result(dsl.Int)
			dsl.HTTP(func() {
				dsl.GET("/count")
				dsl.Param("token")
			})
		})
		dsl.Method("subscribe", func() {
			dsl.Security(jwt)
			dsl.Payload(func() {
				dsl.Token("token", dsl.String)
				dsl.Attribute("room", dsl.String)
				dsl.Required("token")
			})
			dsl.StreamingResult(event)
			dsl.HTTP(func() {
				dsl.GET("/subscribe/{room}")
				dsl.Param("token")
				dsl.WebSocket(func() {
					dsl.Subprotocol("chat.v1")
					dsl.ReadLimit(4096)
					dsl.SendQueue(32, dsl.DropOldest)
					dsl.WriteDelay(5 * time.Millisecond)
					dsl.MessageRate(2.5, 10)
					dsl.SubjectRate(100, 200)
				})
			})
		})
		dsl.Method("echo", func() {
			dsl.NoSecurity()
			dsl.StreamingPayload(dsl.String, func() { dsl.MaxLength(280) })
			dsl.StreamingResult(dsl.String)
			dsl.HTTP(func() {
				dsl.GET("/echo")
				dsl.WebSocket(func() {
					dsl.Heartbeat(10*time.Second, 30*time.Second)
					dsl.Resumable()
				})
			})
		})
	})
}

func TestFilesFromDesign(t *testing.T) {
	root := gentest.Design(t, chatDesign)
	files, err := Files("example.com/chat/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/design", files)

	all := files
	svc, err := service.Files("example.com/chat/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := example.Files("example.com/chat/gen", root)
	if err != nil {
		t.Fatal(err)
	}
	all = append(append(all, svc...), ex...)
	gentest.BuildAndVet(t, "example.com/chat", all)
}

func TestModelReadsTheDesign(t *testing.T) {
	root := gentest.Design(t, chatDesign)
	s, err := buildService("example.com/chat/gen", root, root.API.HTTP.Service("chat"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*methodData{}
	for _, m := range s.Methods {
		byName[m.Name] = m
	}
	if got := strings.Join(byName["search"].UnaryConfig, ", "); got != "SubjectRate: 10, SubjectBurst: 20" {
		t.Errorf("search options = %s", got)
	}
	if got := byName["history"].UnaryConfig; got != nil {
		t.Errorf("history options = %v, want none", got)
	}
	h := byName["history"]
	if h.Pattern != "/rooms/{room}/history" || h.Verb != "GET" {
		t.Errorf("history route = %s %s", h.Verb, h.Pattern)
	}
	var got []string
	for _, p := range h.Params {
		got = append(got, p.Name+":"+p.Source+":"+p.GoType)
	}
	want := "room:transport.Path:string limit:transport.Query:int order:transport.Query:string X-Request-ID:transport.Header:string"
	if strings.Join(got, " ") != want {
		t.Errorf("history params = %v, want %s", got, want)
	}
	for _, p := range h.Params {
		switch p.Name {
		case "limit":
			if !p.Pointer || p.Default != "" {
				t.Errorf("limit: pointer %v default %q, want optional pointer", p.Pointer, p.Default)
			}
		case "order":
			if p.Pointer || p.Default != `"asc"` {
				t.Errorf("order: pointer %v default %q, want value with default \"asc\"", p.Pointer, p.Default)
			}
		}
	}
	if h.ValidatePayload != "chat.ValidateHistoryPayload" {
		t.Errorf("history validation = %q", h.ValidatePayload)
	}
	if c := byName["count"]; len(c.Tokens) != 1 || c.Tokens[0].Query != "token" || c.StreamPayloadPtr {
		t.Errorf("count: tokens %+v, stream payload by pointer %v", c.Tokens, c.StreamPayloadPtr)
	}
	if l := byName["login"]; l.Basic == nil || l.Basic.User != "User" || l.Basic.Password != "Password" {
		t.Errorf("login basic = %+v", l.Basic)
	}
	sub := byName["subscribe"]
	if sub.ViewedFn != "chat.NewViewedEvent" || sub.DefaultView != "default" {
		t.Errorf("subscribe views = %q %q", sub.ViewedFn, sub.DefaultView)
	}
	if got := strings.Join(sub.WSConfig, ", "); got != `ReadLimit: 4096, Subprotocols: []string{"chat.v1"}, SendQueue: 32, SlowConsumer: ws.DropOldest, WriteDelay: 5 * time.Millisecond, MessageRate: 2.5, MessageBurst: 10, SubjectMessageRate: 100, SubjectMessageBurst: 200` {
		t.Errorf("subscribe config = %s", got)
	}
	if got := strings.Join(byName["echo"].WSConfig, ", "); got != `HeartbeatInterval: 10 * time.Second, HeartbeatTimeout: 30 * time.Second, Subprotocols: []string{"duplex.v1"}` {
		t.Errorf("echo config = %s", got)
	}
	if !byName["echo"].Resumable || byName["subscribe"].Resumable {
		t.Errorf("Resumable: echo %v, subscribe %v; want true, false", byName["echo"].Resumable, byName["subscribe"].Resumable)
	}
	if e := byName["echo"]; e.ValidateStream != "chat.ValidateEchoStreamingPayload" {
		t.Errorf("echo stream validation = %q", e.ValidateStream)
	}
	if got := byName["login"].Statuses; len(got) == 0 || got[0].Status != "http.StatusUnauthorized" {
		t.Errorf("login statuses = %+v", got)
	}
}
