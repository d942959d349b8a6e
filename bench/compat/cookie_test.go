package compat_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	goahttp "goa.design/goa/v3/http"

	dbench "duplex.dev/bench/duplex/gen/bench"
	dclient "duplex.dev/bench/duplex/gen/http/bench/client"
	gbench "duplex.dev/bench/goa/gen/bench"
	gclient "duplex.dev/bench/goa/gen/http/bench/client"
	"duplex.dev/ws"
)

// cookieClient calls the cookie methods of the bench design (session sets
// a cookie from its result, whoami reads its payload from cookies) through
// one framework's generated client.
type cookieClient interface {
	session(ctx context.Context, user string) (session, name string, err error)
	whoami(ctx context.Context, session string, theme *string) (string, error)
}

type goaCookies struct{ c *gbench.Client }

func (g goaCookies) session(ctx context.Context, user string) (string, string, error) {
	r, err := g.c.Session(ctx, &gbench.SessionPayload{User: user})
	if err != nil {
		return "", "", err
	}
	return r.Session, r.User, nil
}

func (g goaCookies) whoami(ctx context.Context, session string, theme *string) (string, error) {
	return g.c.Whoami(ctx, &gbench.WhoamiPayload{Session: session, Theme: theme})
}

type duplexCookies struct{ c *dbench.Client }

func (d duplexCookies) session(ctx context.Context, user string) (string, string, error) {
	r, err := d.c.Session(ctx, &dbench.SessionPayload{User: user})
	if err != nil {
		return "", "", err
	}
	return r.Session, r.User, nil
}

func (d duplexCookies) whoami(ctx context.Context, session string, theme *string) (string, error) {
	return d.c.Whoami(ctx, &dbench.WhoamiPayload{Session: session, Theme: theme})
}

func newCookieClient(t *testing.T, name, base string) cookieClient {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if name == "goa" {
		c := gclient.NewClient(u.Scheme, u.Host, http.DefaultClient, goahttp.RequestEncoder, goahttp.ResponseDecoder,
			false, &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, nil)
		return goaCookies{gbench.NewClient(c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Relay(), c.PostActivity(), c.Publish(), c.Session(), c.Whoami())}
	}
	c := dclient.NewClient(u.Scheme, u.Host, nil, ws.DialConfig{})
	return duplexCookies{dbench.NewClient(c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Relay(), c.PostActivity(), c.Publish(), c.Session(), c.Whoami())}
}

// TestCookiesAcrossFrameworks: a Goa client reads the cookie a Duplex
// server sets and sends cookie parameters a Duplex server reads, and the
// other way round; both servers set the same cookie attributes and refuse
// the same bad cookie.
func TestCookiesAcrossFrameworks(t *testing.T) {
	theme := "dark"
	for _, srvName := range []string{"goa", "duplex"} {
		for _, cliName := range []string{"goa", "duplex"} {
			t.Run(cliName+" client/"+srvName+" server", func(t *testing.T) {
				srv := httptest.NewServer(servers[srvName](slog.New(slog.DiscardHandler)))
				defer srv.Close()
				c := newCookieClient(t, cliName, srv.URL)
				ctx := testContext(t)

				session, user, err := c.session(ctx, "alice")
				if err != nil {
					t.Fatalf("session: %v", err)
				}
				if session != "ecila" || user != "alice" {
					t.Errorf("session = %q, %q; want the session id from the cookie (ecila) and the user from the body", session, user)
				}
				for _, tc := range []struct {
					theme *string
					want  string
				}{{&theme, "alice theme dark"}, {nil, "alice theme -"}} {
					got, err := c.whoami(ctx, "ecila", tc.theme)
					if err != nil {
						t.Fatalf("whoami: %v", err)
					}
					if got != tc.want {
						t.Errorf("whoami = %q, want %q", got, tc.want)
					}
				}
			})
		}
	}
}

// TestCookieWireIsGoas compares the two servers on the raw wire: the
// Set-Cookie header and body of session, and the status of whoami for
// cookies that are right, missing or outside their enum.
func TestCookieWireIsGoas(t *testing.T) {
	type answer struct {
		status int
		header string
		body   string
	}
	run := func(srvName string) []answer {
		srv := httptest.NewServer(servers[srvName](slog.New(slog.DiscardHandler)))
		defer srv.Close()
		do := func(method, path, cookie, body string) answer {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return answer{resp.StatusCode, resp.Header.Get("Set-Cookie"), strings.TrimSpace(string(b))}
		}
		out := []answer{do("POST", "/session", "", `{"user":"bob"}`)}
		for _, cookie := range []string{"bench_session=bob; theme=light", "theme=light", "bench_session=bob; theme=blue"} {
			a := do("GET", "/whoami", cookie, "")
			if a.status != http.StatusOK {
				a.body = "" // error bodies differ in wording
			}
			out = append(out, a)
		}
		return out
	}
	goa, duplex := run("goa"), run("duplex")
	want := []answer{
		{200, "bench_session=bob; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict", `{"user":"bob"}`},
		{200, "", `"bob theme light"`},
		{400, "", ""},
		{400, "", ""},
	}
	for i := range want {
		if goa[i] != want[i] {
			t.Errorf("goa answer %d = %+v, want %+v", i, goa[i], want[i])
		}
		if duplex[i] != goa[i] {
			t.Errorf("duplex answer %d = %+v, goa's %+v", i, duplex[i], goa[i])
		}
	}
}
