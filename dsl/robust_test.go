package dsl_test

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	. "duplex.dev/dsl"
	"duplex.dev/eval"
	"duplex.dev/expr"
)

func TestRunDSLReportsEveryError(t *testing.T) {
	eval.Reset()
	t.Cleanup(eval.Reset)
	api()
	Service("s", func() {
		Method("feed", func() {
			StreamingResult(String)
			HTTP(func() {
				POST("/feed") // want:several errors 1
			})
		})
		Method("list", func() {
			Payload(func() {
				Attribute("limit", Int, func() {
					Minimum(10)
					Maximum(1) // want:several errors 2
				})
				Required("limt") // want:several errors 3
			})
			HTTP(func() { GET("/list"); Param("limit") })
		})
	})
	Method("orphan", func() {}) // want:several errors 4

	err := eval.RunDSL()
	var merr *eval.MultiError
	if !errors.As(err, &merr) {
		t.Fatalf("RunDSL = %v, want a *eval.MultiError", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(merr.Errors) {
		t.Errorf("Error() has %d lines for %d errors:\n%s", len(lines), len(merr.Errors), err)
	}
	for i := 1; i <= 4; i++ {
		pos := fmt.Sprintf("robust_test.go:%d: ", wantLine(t, fmt.Sprintf("several errors %d", i)))
		found := false
		for _, l := range lines {
			found = found || strings.HasPrefix(l, pos)
		}
		if !found {
			t.Errorf("no error line starting with %q in:\n%s", pos, err)
		}
	}
	var one *expr.Error
	if !errors.As(err, &one) || one.Pos.Line == 0 {
		t.Errorf("errors.As(err, *expr.Error) = %v, want an error with a position", one)
	}
	if again := eval.RunDSL(); again != err {
		t.Errorf("second RunDSL returned a different result")
	}
}

// randomDesign declares a pseudo-random design: DSL functions called in
// random places with random, often invalid, arguments.
type randomDesign struct {
	r     *rand.Rand
	types []expr.DataType
	ops   []func(depth int)
}

func newRandomDesign(seed int64) *randomDesign {
	d := &randomDesign{r: rand.New(rand.NewSource(seed))}
	d.types = []expr.DataType{String, Int, Int64, Float64, Boolean, Bytes, Any, Empty, ArrayOf(String), MapOf(String, Int)}
	name := func() string { return []string{"a", "b", "id", "token", "room", "", "x:y"}[d.r.Intn(7)] }
	path := func() string { return []string{"/", "/a", "/a/{id}", "/{room}", "nopath", "/a/{a}/{a}"}[d.r.Intn(6)] }
	typ := func() expr.DataType { return d.types[d.r.Intn(len(d.types))] }
	val := func() any {
		return []any{1, "x", nil, 3.5, true, []any{1, "y"}, int64(-4), map[string]any{"a": 1}}[d.r.Intn(8)]
	}
	body := func(depth int) func() {
		return func() {
			if depth > 3 {
				return
			}
			for i := d.r.Intn(5); i > 0; i-- {
				d.ops[d.r.Intn(len(d.ops))](depth + 1)
			}
		}
	}
	args := func(depth int) []any {
		switch d.r.Intn(5) {
		case 0:
			return nil
		case 1:
			return []any{typ()}
		case 2:
			return []any{body(depth)}
		case 3:
			return []any{typ(), "description", body(depth)}
		default:
			return []any{val()}
		}
	}
	d.ops = []func(int){
		func(dp int) { API(name(), body(dp)) },
		func(dp int) { Title(name()); Version("1"); Description(name()) },
		func(dp int) { Server(name(), body(dp)) },
		func(dp int) { Host(name(), body(dp)); URI("http://localhost") },
		func(dp int) { Service(name(), body(dp)) },
		func(dp int) { Method(name(), body(dp)) },
		func(dp int) { a := args(dp); Payload(typ(), a...) },
		func(dp int) { Payload(body(dp)) },
		func(dp int) { Result(typ()) },
		func(dp int) { StreamingPayload(body(dp)) },
		func(dp int) { StreamingResult(typ(), body(dp)) },
		func(dp int) { Error(name(), args(dp)...) },
		func(dp int) { d.types = append(d.types, Type(name(), body(dp))) },
		func(dp int) {
			d.types = append(d.types, ResultType("application/vnd."+name(), body(dp)))
		},
		func(dp int) { View(name(), body(dp)) },
		func(dp int) { View(name()) },
		func(dp int) { d.types = append(d.types, CollectionOf(d.types[d.r.Intn(len(d.types))])) },
		func(dp int) { Attribute(name(), args(dp)...) },
		func(dp int) { Field(1, name(), args(dp)...) },
		func(dp int) { Attributes(body(dp)) },
		func(dp int) { Required(name(), name()) },
		func(dp int) { Default(val()) },
		func(dp int) { Example(val()) },
		func(dp int) { Enum(val(), val()) },
		func(dp int) { Format(FormatDateTime); Pattern("[") },
		func(dp int) { Minimum(val()); Maximum(d.r.Intn(10)) },
		func(dp int) { MinLength(d.r.Intn(5) - 1); MaxLength(d.r.Intn(5)) },
		func(dp int) { Meta(name(), name()) },
		func(dp int) { Extend(typ()); Reference(typ()) },
		func(dp int) { TypeName(name()) },
		func(dp int) { HTTP(body(dp)) },
		func(dp int) { GET(path()) },
		func(dp int) { POST(path()); PUT(path()) },
		func(dp int) { Path(path()) },
		func(dp int) { Param(name(), args(dp)...) },
		func(dp int) { Header(name(), args(dp)...) },
		func(dp int) { Body(val()) },
		func(dp int) { Body(name()) },
		func(dp int) { Response(StatusOK, body(dp)) },
		func(dp int) { Response(name(), StatusUnauthorized) },
		func(dp int) { Code(StatusCreated) },
		func(dp int) { Security(name()) },
		func(dp int) { Security(JWTSecurity(name(), body(dp)), body(dp)) },
		func(dp int) { BasicAuthSecurity(name()); APIKeySecurity(name()) },
		func(dp int) { NoSecurity() },
		func(dp int) { Scope(name()) },
		func(dp int) { Username(name()); Password(name()) },
		func(dp int) { Token(name(), String) },
		func(dp int) { APIKey(name(), name()) },
		func(dp int) { WebSocket(body(dp)) },
		func(dp int) { Subprotocol(name()); ReadLimit(int64(d.r.Intn(3) - 1)) },
		func(dp int) { Heartbeat(time.Duration(d.r.Intn(3))*time.Second, time.Second); Resumable() },
		func(dp int) { SendQueue(d.r.Intn(3), []string{Disconnect, DropOldest, "x"}[d.r.Intn(3)]) },
		func(dp int) { WriteDelay(time.Duration(d.r.Intn(3)-1) * time.Second / 2) },
		func(dp int) {
			MessageRate(float64(d.r.Intn(3)-1), d.r.Intn(3)-1)
			SubjectRate(float64(d.r.Intn(3)), d.r.Intn(3))
		},
		func(dp int) { GRPC(body(dp)); Files("/f", "f") },
		func(dp int) { MapOf(typ(), typ(), func() { Key(body(dp)); Elem(body(dp)) }) },
		func(dp int) { ArrayOf(val()) },
	}
	return d
}

// declare runs a random number of top-level DSL calls.
func (d *randomDesign) declare() {
	for i := 1 + d.r.Intn(8); i > 0; i-- {
		d.ops[d.r.Intn(len(d.ops))](0)
	}
}

// checkRandomDesign evaluates a random design: RunDSL must not panic,
// must return nil or a *MultiError of positioned messages, and a design
// it accepts must satisfy what generators rely on.
func checkRandomDesign(t *testing.T, seed int64) {
	t.Helper()
	eval.Reset()
	defer eval.Reset()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("seed %d: panic: %v", seed, r)
			}
		}()
		newRandomDesign(seed).declare()
		err = eval.RunDSL()
	}()
	t.Logf("seed %d: accepted=%v", seed, err == nil)
	if err != nil {
		var merr *eval.MultiError
		if !errors.As(err, &merr) || len(merr.Errors) == 0 {
			t.Fatalf("seed %d: RunDSL error %T %v, want a non-empty *eval.MultiError", seed, err, err)
		}
		for _, e := range merr.Errors {
			if e.Message == "" {
				t.Fatalf("seed %d: empty error message", seed)
			}
			// The generator itself never panics: a recovered panic is a bug in
			// the DSL or the model.
			if strings.Contains(e.Message, "internal error") || strings.Contains(e.Message, "panicked") {
				t.Fatalf("seed %d: %v", seed, e)
			}
		}
		return
	}
	for _, s := range expr.Root.Services {
		for _, m := range s.Methods {
			if m.Payload == nil || m.Result == nil || m.StreamingPayload == nil {
				t.Fatalf("seed %d: method %q has a nil payload or result after Finalize", seed, m.Name)
			}
			ep := expr.Root.API.HTTP.Service(s.Name).Endpoint(m.Name)
			if ep == nil || len(ep.Routes) == 0 {
				t.Fatalf("seed %d: accepted method %q has no route", seed, m.Name)
			}
			if m.IsStreaming() {
				if ep.WebSocket == nil || ep.Body != nil {
					t.Fatalf("seed %d: streaming method %q: WebSocket %v, body %v", seed, m.Name, ep.WebSocket, ep.Body)
				}
				for _, r := range ep.Routes {
					if r.Method != "GET" {
						t.Fatalf("seed %d: streaming method %q accepted with %s", seed, m.Name, r.Method)
					}
				}
			}
		}
	}
}

func TestRandomDesignsNeverPanic(t *testing.T) {
	for seed := int64(1); seed <= 400; seed++ {
		checkRandomDesign(t, seed)
	}
}

func FuzzDSL(f *testing.F) {
	for _, seed := range []int64{0, 1, 42, 1 << 40} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed int64) { checkRandomDesign(t, seed) })
}

// TestRandomServiceDesigns declares random but mostly sensible services and
// checks RunDSL against an independent statement of the streaming rules: a
// design is accepted exactly when every streaming method uses GET and maps
// every payload attribute to the path, a Param or a Header.
func TestRandomServiceDesigns(t *testing.T) {
	accepted := 0
	for seed := int64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewSource(seed))
		eval.Reset()
		api()
		var wantErrs []string // method names that must appear in errors
		Service("svc", func() {
			for i := 0; i < 1+r.Intn(4); i++ {
				name := fmt.Sprintf("m%d", i)
				streaming := r.Intn(3) > 0
				verb := "GET"
				if r.Intn(5) == 0 {
					verb = "POST"
				}
				attrs := []string{"a", "b", "c"}[:r.Intn(4)]
				mapped := map[string]bool{}
				bad := false
				Method(name, func() {
					if len(attrs) > 0 {
						Payload(func() {
							for _, a := range attrs {
								Attribute(a, []expr.DataType{String, Int, Int64, ArrayOf(String)}[r.Intn(4)])
							}
						})
					}
					if streaming {
						switch r.Intn(3) {
						case 0:
							StreamingPayload(String)
						case 1:
							StreamingResult(String)
						default:
							StreamingPayload(String)
							StreamingResult(String)
						}
					} else {
						Result(String)
					}
					HTTP(func() {
						path := "/" + name
						if verb == "GET" {
							GET(path)
						} else {
							POST(path)
						}
						for _, a := range attrs {
							switch r.Intn(3) {
							case 0:
								Param(a)
								mapped[a] = true
							case 1:
								Header(a + ":X-" + a)
								mapped[a] = true
							}
						}
					})
				})
				if streaming {
					if verb != "GET" {
						bad = true
					}
					for _, a := range attrs {
						if !mapped[a] {
							bad = true
						}
					}
				}
				if bad {
					wantErrs = append(wantErrs, fmt.Sprintf("method %q", name))
				}
			}
		})
		err := eval.RunDSL()
		if len(wantErrs) == 0 {
			if err != nil {
				t.Fatalf("seed %d: valid design rejected:\n%v", seed, err)
			}
			accepted++
			continue
		}
		if err == nil {
			t.Fatalf("seed %d: design breaking the streaming rules for %v accepted", seed, wantErrs)
		}
		for _, w := range wantErrs {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("seed %d: no error for %s in:\n%v", seed, w, err)
			}
		}
	}
	eval.Reset()
	if accepted == 0 {
		t.Fatal("no random design was valid: the generator is broken")
	}
	t.Logf("%d of 200 designs accepted", accepted)
}
