package mux_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	duplex "duplex.dev"
	"duplex.dev/mux"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// The test API: four streaming methods and a unary one, served through
// transport.Stream and transport.Unary as generated servers serve them.
//
//	GET  /count?n=N       server→client: 0 … N-1, then the end (needs a token)
//	GET  /flood?n=N       server→client: 0 … N-1, with a send queue of 16
//	GET  /echo            both ways: each note's text back (read limit 1 KiB)
//	GET  /sum             client→server: the sum of the ints, at the end
//	POST /add?a=A&b=B     unary: A+B (needs a token)

type note struct {
	Author *string `json:"author"`
	Text   string  `json:"text"`
}

func validateNote(n *note) error {
	if n.Author == nil {
		return duplex.MissingFieldError("author", "body")
	}
	return nil
}

type unauthorized string

func (u unauthorized) Error() string     { return string(u) }
func (u unauthorized) ErrorName() string { return "unauthorized" }

var statuses = transport.Statuses{"unauthorized": http.StatusUnauthorized}

// token reads the request's credentials: ?token= or a bearer header.
func token(r *http.Request) (string, error) {
	t := r.URL.Query().Get("token")
	if t == "" {
		t = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if t != "secret" {
		return "", unauthorized("missing or wrong token")
	}
	return t, nil
}

type countPayload struct{ N int }

func decodeCount(r *http.Request) (*countPayload, error) {
	if _, err := token(r); err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil {
		return nil, duplex.NewError(duplex.CodeInvalid, duplex.InvalidFieldType, "n: not an integer")
	}
	return &countPayload{N: n}, nil
}

type countInput struct {
	p *countPayload
	s *transport.ServerStream[int, any]
}

// api is a test server with the mux endpoint mounted.
type api struct {
	URL      string
	host     string
	wsrv     *ws.Server
	upgrades atomic.Int64  // upgrade requests to the methods' own paths
	opened   atomic.Int64  // streams whose handler started
	flooded  atomic.Int64  // messages the flood handlers' Send accepted
	floodEnd chan struct{} // a flood handler returned
}

type apiOption struct {
	noMux      bool
	muxOptions []mux.Option
}

func newAPI(t *testing.T, o apiOption) *api {
	t.Helper()
	a := &api{wsrv: ws.NewServer(ws.Config{HeartbeatInterval: -1}), floodEnd: make(chan struct{}, 64)}
	routes := http.NewServeMux()

	countSpec := &transport.StreamSpec[int, any]{Endpoint: &ws.Endpoint{Service: "test", Method: "count"}, Statuses: statuses}
	count := func(ctx context.Context, in any) (any, error) {
		ci := in.(*countInput)
		a.opened.Add(1)
		for i := range ci.p.N {
			if err := ci.s.SendWithContext(ctx, i); err != nil {
				return nil, err
			}
		}
		return nil, ci.s.Close()
	}
	routes.Handle("GET /count", transport.Stream(a.wsrv, nil, countSpec, count, decodeCount,
		func(p *countPayload, s *transport.ServerStream[int, any]) any { return &countInput{p, s} }))

	floodSpec := &transport.StreamSpec[int, any]{Endpoint: &ws.Endpoint{Service: "test", Method: "flood",
		Config: ws.Config{SendQueue: 16, SlowConsumer: ws.Disconnect, WriteTimeout: time.Minute}}, Statuses: statuses}
	flood := func(ctx context.Context, in any) (any, error) {
		defer func() { a.floodEnd <- struct{}{} }()
		ci := in.(*countInput)
		for i := range ci.p.N {
			if err := ci.s.SendWithContext(ctx, i); err != nil {
				return nil, err
			}
			a.flooded.Add(1)
		}
		return nil, ci.s.Close()
	}
	routes.Handle("GET /flood", transport.Stream(a.wsrv, nil, floodSpec, flood, decodeCount,
		func(p *countPayload, s *transport.ServerStream[int, any]) any { return &countInput{p, s} }))

	echoSpec := &transport.StreamSpec[string, *note]{Endpoint: &ws.Endpoint{Service: "test", Method: "echo", Config: ws.Config{ReadLimit: 1024}}, Statuses: statuses, Validate: validateNote}
	echo := func(ctx context.Context, in any) (any, error) {
		s := in.(*transport.ServerStream[string, *note])
		a.opened.Add(1)
		for {
			n, err := s.RecvWithContext(ctx)
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil, nil
				}
				return nil, err
			}
			if err := s.SendWithContext(ctx, n.Text); err != nil {
				return nil, err
			}
		}
	}
	routes.Handle("GET /echo", transport.Stream(a.wsrv, nil, echoSpec, echo, nil,
		func(_ any, s *transport.ServerStream[string, *note]) any { return s }))

	sumSpec := &transport.StreamSpec[int, int]{Endpoint: &ws.Endpoint{Service: "test", Method: "sum"}, Statuses: statuses}
	sum := func(ctx context.Context, in any) (any, error) {
		s := in.(*transport.ServerStream[int, int])
		a.opened.Add(1)
		total := 0
		for {
			n, err := s.RecvWithContext(ctx)
			if errors.Is(err, io.EOF) {
				return nil, s.SendAndCloseWithContext(ctx, total)
			}
			if err != nil {
				return nil, err
			}
			total += n
		}
	}
	routes.Handle("GET /sum", transport.Stream(a.wsrv, nil, sumSpec, sum, nil,
		func(_ any, s *transport.ServerStream[int, int]) any { return s }))

	add := func(ctx context.Context, in any) (any, error) {
		q := in.(url.Values)
		x, _ := strconv.Atoi(q.Get("a"))
		y, _ := strconv.Atoi(q.Get("b"))
		if d, _ := time.ParseDuration(q.Get("sleep")); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return x + y, nil
	}
	routes.Handle("POST /add", transport.Unary(add, func(r *http.Request) (url.Values, error) {
		if _, err := token(r); err != nil {
			return nil, err
		}
		return r.URL.Query(), nil
	}, http.StatusOK, statuses))

	if !o.noMux {
		routes.Handle("GET "+mux.DefaultPath, mux.NewServer(routes, a.wsrv, o.muxOptions...))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mux.DefaultPath && r.Header.Get("Upgrade") != "" {
			a.upgrades.Add(1)
		}
		routes.ServeHTTP(w, r)
	}))
	a.URL = srv.URL
	a.host = strings.TrimPrefix(srv.URL, "http://")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.wsrv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return a
}

// dialer returns the transport.Dialer a generated client of a would use,
// with a mux client (closed at the test's end) unless perCall.
func (a *api) dialer(t *testing.T, perCall bool, dials ...ws.DialConfig) *transport.Dialer {
	var dial ws.DialConfig
	if len(dials) > 0 {
		dial = dials[0]
	}
	d := &transport.Dialer{Scheme: "http", Host: a.host, Config: dial, Doer: http.DefaultClient}
	if !perCall {
		m := mux.NewClient("http", a.host, dial)
		t.Cleanup(func() { m.Close() })
		d.Doer = &http.Client{Transport: m}
	}
	return d
}

var tokenQuery = url.Values{"token": {"secret"}}

func dialCount(ctx context.Context, d *transport.Dialer, n int, q url.Values) (*transport.ClientStream[any, int], error) {
	qq := url.Values{"n": {strconv.Itoa(n)}}
	for k, v := range q {
		qq[k] = v
	}
	s, err := transport.Dial[any, int](ctx, d, "test count", "/count", qq, nil, false)
	if err != nil {
		return nil, err
	}
	return s.(*transport.ClientStream[any, int]), nil
}

func dialEcho(ctx context.Context, d *transport.Dialer) (*transport.ClientStream[*note, string], error) {
	s, err := transport.Dial[*note, string](ctx, d, "test echo", "/echo", nil, nil, false)
	if err != nil {
		return nil, err
	}
	return s.(*transport.ClientStream[*note, string]), nil
}

func dialSum(ctx context.Context, d *transport.Dialer) (*transport.ClientStream[int, int], error) {
	s, err := transport.Dial[int, int](ctx, d, "test sum", "/sum", nil, nil, false)
	if err != nil {
		return nil, err
	}
	return s.(*transport.ClientStream[int, int]), nil
}

func ptr[T any](v T) *T { return &v }
