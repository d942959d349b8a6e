package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	duplex "duplex.dev"

	"duplex.dev/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type unauthorized string

func (u unauthorized) Error() string     { return string(u) }
func (u unauthorized) ErrorName() string { return "unauthorized" }

type namedErr struct{ name, msg string }

func (e namedErr) Error() string     { return e.msg }
func (e namedErr) ErrorName() string { return e.name }

type limit int

func TestParams(t *testing.T) {
	cases := []struct {
		name, target, wantErr string
		status                int
		read                  func(p *transport.Params) any
		want                  any
	}{
		{name: "required int parses", target: "/r/x?n=42", read: func(p *transport.Params) any { return transport.Required[int](p, transport.Query, "n") }, want: 42},
		{name: "named int type parses", target: "/r/x?n=7", read: func(p *transport.Params) any { return transport.Required[limit](p, transport.Query, "n") }, want: limit(7)},
		{name: "path wildcard is read", target: "/r/lobby", read: func(p *transport.Params) any { return transport.Required[string](p, transport.Path, "room") }, want: "lobby"},
		{name: "missing required names the parameter", target: "/r/x", read: func(p *transport.Params) any { return transport.Required[int](p, transport.Query, "n") }, want: 0, status: 400, wantErr: `"n" is missing from query string`},
		{name: "bad int names the parameter", target: "/r/x?n=abc", read: func(p *transport.Params) any { return transport.Required[int](p, transport.Query, "n") }, want: 0, status: 400, wantErr: `invalid value "abc" for "n", must be a integer`},
		{name: "optional absent is nil", target: "/r/x", read: func(p *transport.Params) any { return transport.Optional[bool](p, transport.Query, "b") == nil }, want: true},
		{name: "default applies when absent", target: "/r/x", read: func(p *transport.Params) any { return transport.Default(p, transport.Query, "f", 1.5) }, want: 1.5},
		{name: "slice reads repeated values", target: "/r/x?s=1&s=2", read: func(p *transport.Params) any { return transport.Slice[int64](p, transport.Query, "s") }, want: []int64{1, 2}},
		{name: "token comes from the query", target: "/r/x?token=abc", read: func(p *transport.Params) any { return p.Token("token") }, want: "abc"},
		{name: "missing token is 401", target: "/r/x", read: func(p *transport.Params) any { return p.Token("token") }, want: "", status: 401, wantErr: "missing token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			var err error
			mux := http.NewServeMux()
			mux.HandleFunc("GET /r/{room}", func(w http.ResponseWriter, r *http.Request) {
				p := transport.NewParams(r)
				got = tc.read(p)
				err = p.Err()
			})
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.target, nil))
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tc.want)
			if string(gj) != string(wj) {
				t.Errorf("got %s, want %s", gj, wj)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr || duplex.CodeOf(err).HTTPStatus() != tc.status {
				t.Fatalf("error = %v (status %d), want %q (status %d)", err, duplex.CodeOf(err).HTTPStatus(), tc.wantErr, tc.status)
			}
		})
	}
}

func TestBearerHeaderToken(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer  tok ")
	if got := transport.NewParams(r).Token("token"); got != "tok" {
		t.Fatalf("token = %q", got)
	}
	transport.SetBasic(r, "u", "p")
	p := transport.NewParams(r)
	if u, pw := p.Basic(); u != "u" || pw != "p" || p.Err() != nil {
		t.Fatalf("basic = %q %q %v", u, pw, p.Err())
	}
}

func TestWriteErrorStatuses(t *testing.T) {
	statuses := transport.Statuses{"unauthorized": 401}
	cases := []struct {
		name     string
		err      error
		status   int
		body     string
		errorHdr string
	}{
		{"design error mapped by Response keeps its value", unauthorized("bad creds"), 401, `"bad creds"`, "unauthorized"},
		{"validation error is 400", namedErr{"invalid_enum_value", "bad action"}, 400, `{"name":"invalid_enum_value","id":"","message":"bad action","temporary":false,"timeout":false,"fault":false}`, "invalid_enum_value"},
		{"transport error keeps its status", transport.MissingParam("n", "query string"), 400, `{"name":"missing_field","id":"","message":"\"n\" is missing from query string","temporary":false,"timeout":false,"fault":false}`, "missing_field"},
		{"unknown error is a 500 fault that hides the text", errors.New("db password is hunter2"), 500, `{"name":"fault","id":"","message":"internal error","temporary":false,"timeout":false,"fault":true}`, "fault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			transport.WriteError(rec, tc.err, statuses)
			if rec.Code != tc.status || strings.TrimSpace(rec.Body.String()) != tc.body || rec.Header().Get("goa-error") != tc.errorHdr {
				t.Fatalf("got %d %s (goa-error %q), want %d %s", rec.Code, rec.Body, rec.Header().Get("goa-error"), tc.status, tc.body)
			}
		})
	}
}

type loginBody struct {
	User string `json:"user"`
}

func TestRoundTripOverHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		b, err := transport.DecodeBody[loginBody](r)
		if err != nil {
			transport.WriteError(w, err, nil)
			return
		}
		if b.User != "ann" {
			transport.WriteError(w, unauthorized("who is "+b.User), transport.Statuses{"unauthorized": 401})
			return
		}
		_ = transport.WriteJSON(w, 200, "welcome "+b.User)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	req, err := transport.NewRequest(ctx, "POST", srv.URL+"/login", loginBody{User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := transport.Do[string](srv.Client(), req)
	if err != nil || got != "welcome ann" {
		t.Fatalf("got %q, %v", got, err)
	}

	req, _ = transport.NewRequest(ctx, "POST", srv.URL+"/login", loginBody{User: "bob"})
	_, err = transport.Do[string](srv.Client(), req)
	var te *duplex.Error
	if !errors.As(err, &te) || te.Code != duplex.CodeUnauthenticated || te.Name != "unauthorized" || te.Message != "who is bob" {
		t.Fatalf("error = %#v", err)
	}

	req, _ = http.NewRequestWithContext(ctx, "POST", srv.URL+"/login", strings.NewReader("{nope"))
	_, err = transport.Do[string](srv.Client(), req)
	if !errors.As(err, &te) || te.Code != duplex.CodeInvalid || te.Name != "decode_payload" || !strings.Contains(te.Message, "decode request body") {
		t.Fatalf("error = %#v", err)
	}
	srv.Client().CloseIdleConnections()
}

func TestServiceErrorsGetGoaBody(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		fault  bool
	}{
		{"validation error is 400", duplex.MissingFieldError("message", "body"), 400, false},
		{"error mapped by Response gets its status", duplex.PermanentError("unauthorized", "no"), 401, false},
		{"other service error is a 500 fault", duplex.PermanentError("boom", "no"), 500, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			transport.WriteError(rec, fmt.Errorf("wrapped: %w", tc.err), transport.Statuses{"unauthorized": 401})
			var b transport.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			var se *duplex.ServiceError
			errors.As(tc.err, &se)
			if rec.Code != tc.status || b.Name != se.Name || b.ID != se.ID || b.Message != se.Message || b.Fault != tc.fault {
				t.Fatalf("got %d %+v, want %d for %+v", rec.Code, b, tc.status, se)
			}
		})
	}
}

// TestAPIKeyBearerPrefixWithoutKeyIs401: "Bearer" and blanks is no key
// (found by FuzzCredentials).
func TestAPIKeyBearerPrefixWithoutKeyIs401(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/stream", nil)
	r.Header.Set("X-Api-Key", "Bearer  ")
	p := transport.NewParams(r)
	if key := p.APIKey(transport.Header, "X-Api-Key"); key != "" || duplex.CodeOf(p.Err()) != duplex.CodeUnauthenticated {
		t.Fatalf("APIKey = %q, err %v; want \"\" and a 401", key, p.Err())
	}
}
