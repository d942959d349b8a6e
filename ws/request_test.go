package ws

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

// requestView is what a handler reads of Request(): everything but the
// body, the trimmed headers and the context's cancellation.
type requestView struct {
	Method, Proto, Host, RemoteAddr, RequestURI, Pattern string
	ProtoMajor, ProtoMinor                               int
	URL                                                  string
	Path, RawPath, RawQuery                              string
	Header                                               http.Header
	PathValues                                           map[string]string
	CtxValue                                             any
	TLS                                                  bool
}

func viewOf(r *http.Request, names []string) requestView {
	v := requestView{
		Method: r.Method, Proto: r.Proto, Host: r.Host, RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI, Pattern: r.Pattern,
		ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		URL: r.URL.String(), Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), PathValues: map[string]string{},
		CtxValue: r.Context().Value(releaseKey{}), TLS: r.TLS != nil,
	}
	for _, n := range names {
		v.PathValues[n] = r.PathValue(n)
	}
	return v
}

// TestRequestAfterTheUpgradeIsTheSame: what Request returns after the
// upgrade (built from the few strings a connection keeps) reads as the
// request did before it, once trimmed: method, URL with an escaped path
// and a query, protocol, host, remote address, pattern, the path values
// of the pattern's wildcards ({name} and {rest...}) and one set with
// SetPathValue outside them, the kept headers (several values of one
// field included), the context's values; every call gives the same.
func TestRequestAfterTheUpgradeIsTheSame(t *testing.T) {
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
	ep := &Endpoint{Service: "test", Method: "hold"}
	names := []string{"name", "rest", "extra", "missing"}
	type views struct{ before, after, again requestView }
	got := make(chan views, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hold/{name}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), releaseKey{}, "value"))
		r.SetPathValue("extra", "set by a middleware")
		_ = srv.Handle(w, r, ep, func(ctx context.Context, c *Conn) error {
			var v views
			before := c.Request().Clone(context.Background())
			trimHeader(before.Header)
			v.before = viewOf(before, names)
			v.before.CtxValue = c.Request().Context().Value(releaseKey{})
			if err := c.Upgrade(); err != nil {
				return err
			}
			v.after = viewOf(c.Request(), names)
			v.again = viewOf(c.Request(), names)
			got <- v
			var s string
			return c.Receive(ctx, &s)
		})
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{"X-Forwarded-For": {"10.0.0.1", "10.0.0.2"}, "User-Agent": {"test-agent"}, "Authorization": {"Bearer secret"}}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/hold/al%2Fice/a/b?x=1&y=%20", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	v := <-got
	if v.before.PathValues["extra"] != "set by a middleware" || v.before.PathValues["rest"] != "a/b" || v.before.RawPath == "" {
		t.Fatalf("the test's request is not what it means to check: %+v", v.before)
	}
	if diff := cmp.Diff(v.before, v.after); diff != "" {
		t.Errorf("Request() after the upgrade differs from the trimmed request before it (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(v.after, v.again); diff != "" {
		t.Errorf("a second Request() after the upgrade differs (-first +second):\n%s", diff)
	}
	if _, ok := v.after.Header["Authorization"]; ok {
		t.Error("Request() kept Authorization after the upgrade")
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
}
