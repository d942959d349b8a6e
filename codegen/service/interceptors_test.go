package service_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex.dev/codegen/internal/gentest"
	"duplex.dev/codegen/service"
	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

// interceptDSL declares interceptors at the three levels (API, service,
// method), with every kind of attribute access, on a unary method, a
// bidirectional stream, a client stream with a result and a server stream
// whose implementation picks the view; one interceptor runs on both sides.
func interceptDSL() {
	var Log = Interceptor("log") // no access: runs once per call
	var Stamp = Interceptor("stamp", func() {
		Description("Stamp records who handled a request.")
		ReadPayload(func() { Attribute("text"); Attribute("hops") })
		WritePayload(func() { Attribute("trail") })
		ReadResult(func() { Attribute("trail") })
		WriteResult(func() { Attribute("note") })
	})
	var Audit = Interceptor("audit", func() {
		ReadPayload(func() { Attribute("room") })
		ReadStreamingPayload(func() { Attribute("text") })
		WriteStreamingPayload(func() { Attribute("text") })
		ReadStreamingResult(func() { Attribute("seq") })
		WriteStreamingResult(func() { Attribute("note") })
	})
	var Trace = Interceptor("trace")
	var Peek = Interceptor("peek", func() {
		ReadPayload(func() { Attribute("room") })
		WriteStreamingResult(func() { Attribute("note") })
	})
	var Count = Interceptor("count", func() {
		ReadStreamingPayload(func() { Attribute("text") })
	})
	var Note = ResultType("application/vnd.note", func() {
		TypeName("Note")
		Attributes(func() {
			Attribute("id", Int)
			Attribute("text", String)
			Attribute("note", String)
			Required("id", "text")
		})
		View("default", func() { Attribute("id"); Attribute("text"); Attribute("note") })
		View("tiny", func() { Attribute("id") })
	})
	API("icpt", func() { ServerInterceptor(Trace) })
	Service("icpt", func() {
		ServerInterceptor(Log)
		Method("say", func() {
			ServerInterceptor(Stamp)
			Payload(func() {
				Attribute("text", String)
				Attribute("hops", Int)
				Attribute("trail", ArrayOf(String))
				Required("text")
			})
			Result(func() {
				Attribute("trail", ArrayOf(String))
				Attribute("note", String)
			})
			ClientInterceptor(Stamp)
			HTTP(func() { POST("/say") })
		})
		Method("chat", func() {
			ServerInterceptor(Audit)
			ClientInterceptor(Audit)
			Payload(func() { Attribute("room", String) })
			StreamingPayload(func() { Attribute("text", String); Required("text") })
			StreamingResult(func() {
				Attribute("text", String)
				Attribute("seq", Int)
				Attribute("note", String)
				Required("text", "seq")
			})
			HTTP(func() { GET("/chat"); Param("room") })
		})
		Method("tally", func() {
			ServerInterceptor(Count)
			StreamingPayload(func() { Attribute("text", String); Required("text") })
			Result(Int)
			HTTP(func() { GET("/tally") })
		})
		Method("watch", func() {
			ServerInterceptor(Peek)
			Payload(func() { Attribute("room", String) })
			StreamingResult(Note)
			HTTP(func() { GET("/watch"); Param("room") })
		})
	})
	// A service without interceptors of its own gets the API's.
	Service("plain", func() {
		Method("ping", func() { HTTP(func() { POST("/ping") }) })
	})
}

func TestInterceptorsMatchGoldenFilesAndRun(t *testing.T) {
	files, err := service.Files("example.com/icpt/gen", gentest.Design(t, interceptDSL))
	if err != nil {
		t.Fatal(err)
	}
	gentest.Golden(t, "testdata/intercept", files)
	if testing.Short() {
		return
	}
	b, err := os.ReadFile(filepath.Join("testdata", "interceptcheck", "icpt_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gentest.Module(t, "example.com/icpt", files, map[string]string{"gen/icpt/icpt_test.go": string(b)})
	gentest.Go(t, dir, "vet", "./...")
	t.Log(gentest.Go(t, dir, "test", "-count=1", "-v", "./..."))
}

func TestInterceptorDesignErrors(t *testing.T) {
	cases := []struct {
		name   string
		design func()
		want   string
	}{
		{"an attribute the payload lacks", func() {
			var I = Interceptor("i", func() { ReadPayload(func() { Attribute("nope") }) })
			Service("s", func() {
				Method("m", func() {
					ServerInterceptor(I)
					Payload(func() { Attribute("a", String) })
					HTTP(func() { POST("/") })
				})
			})
		}, `interceptor "i" (declared at`},
		{"a streaming access on a unary method", func() {
			var I = Interceptor("i", func() { ReadStreamingPayload(func() { Attribute("a") }) })
			Service("s", func() {
				Method("m", func() {
					ServerInterceptor(I)
					Payload(func() { Attribute("a", String) })
					HTTP(func() { POST("/") })
				})
			})
		}, "the method has no StreamingPayload"},
		{"a result access on a result stream", func() {
			var I = Interceptor("i", func() { ReadResult(func() { Attribute("a") }) })
			Service("s", func() {
				Method("m", func() {
					ServerInterceptor(I)
					StreamingResult(func() { Attribute("a", String) })
					HTTP(func() { GET("/") })
				})
			})
		}, "use ReadStreamingResult"},
		{"an unknown interceptor name", func() {
			Service("s", func() {
				ServerInterceptor("ghost")
				Method("m", func() { HTTP(func() { POST("/") }) })
			})
		}, `interceptor "ghost" not found`},
		{"an access outside an interceptor", func() {
			Service("s", func() {
				Method("m", func() {
					ReadPayload(func() { Attribute("a") })
					HTTP(func() { POST("/") })
				})
			})
		}, "ReadPayload must appear in an Interceptor"},
		{"two interceptors with one name", func() {
			Interceptor("i")
			Interceptor("i")
		}, `interceptor "i" already defined`},
	}
	for _, c := range cases {
		t.Run(c.name+" is a design error", func(t *testing.T) {
			eval.Reset()
			t.Cleanup(eval.Reset)
			c.design()
			err := eval.RunDSL()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("RunDSL() = %v, want an error containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "interceptors_test.go:") {
				t.Errorf("error %q does not name the design file", err)
			}
		})
	}
}

func TestInterceptorNamesCollidingWithTypesAreDesignErrors(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	var I = Interceptor("Audit")
	Type("AuditInfo", func() { Attribute("a", String) })
	Service("s", func() {
		Method("m", func() {
			ServerInterceptor(I)
			Payload("AuditInfo")
			HTTP(func() { POST("/") })
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	_, err := service.Files("example.com/s/gen", expr.Root)
	if err == nil || !strings.Contains(err.Error(), `declaration of interceptor "Audit"`) {
		t.Fatalf("Files() = %v, want an error naming the interceptor whose Info type takes the name", err)
	}
}

func TestInterceptorsWithOneGoNameAreADesignError(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	var A, B = Interceptor("audit_log"), Interceptor("AuditLog")
	Service("s", func() {
		Method("m", func() {
			ServerInterceptor(A, B)
			HTTP(func() { POST("/") })
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	_, err := service.Files("example.com/s/gen", expr.Root)
	if err == nil || !strings.Contains(err.Error(), "both become the Go name AuditLog") {
		t.Fatalf("Files() = %v, want an error naming both interceptors", err)
	}
}

func TestResultAccessOnAResultWithViewsIsRefused(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	var I = Interceptor("Peek", func() { ReadResult(func() { Attribute("id") }) })
	var Item = ResultType("application/vnd.item", func() {
		TypeName("Item")
		Attributes(func() { Attribute("id", Int); Attribute("name", String) })
		View("default", func() { Attribute("id"); Attribute("name") })
		View("tiny", func() { Attribute("id") })
	})
	Service("s", func() {
		Method("m", func() {
			ServerInterceptor(I)
			Result(Item)
			HTTP(func() { GET("/") })
		})
	})
	if err := eval.RunDSL(); err != nil {
		t.Fatal(err)
	}
	_, err := service.Files("example.com/s/gen", expr.Root)
	if err == nil || !strings.Contains(err.Error(), "which has views") || !strings.Contains(err.Error(), "interceptors_test.go:") {
		t.Fatalf("Files() = %v, want an error at the method's position saying the result has views", err)
	}
}
