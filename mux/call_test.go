package mux_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/mux"
	"duplex.dev/ws"
)

// TestUnaryCalls: unary requests through a Client as an http.Client's
// transport travel as call frames on the connection, with the same status
// and body as over HTTP; the call's deadline is its timeout (504 from the
// server past it); without the endpoint they go over HTTP.
func TestUnaryCalls(t *testing.T) {
	a := newAPI(t, apiOption{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := mux.NewClient("http", a.host, ws.DialConfig{})
	defer m.Close()
	overMux := &http.Client{Transport: m}
	post := func(c *http.Client, ctx context.Context, query string, h http.Header) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "POST", a.URL+"/add?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("POST /add?%s: %v", query, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, strings.TrimSpace(string(b))
	}
	for _, q := range []string{"a=2&b=3&token=secret", "a=2&b=3", "a=2&b=3&token=guess"} {
		hs, hb := post(http.DefaultClient, ctx, q, nil)
		ms, mb := post(overMux, ctx, q, nil)
		if hs != ms || hb != mb {
			t.Errorf("POST /add?%s: over HTTP %d %s, over the connection %d %s", q, hs, hb, ms, mb)
		}
	}
	// A body larger than an open frame may be: the method limits it.
	big := &http.Request{Method: "POST", URL: mustURL(t, a.URL+"/add?a=1&b=2&token=secret"), Header: http.Header{}}
	bigBody := `{"pad":"` + strings.Repeat("x", 40<<10) + `"}`
	big.Body = io.NopCloser(strings.NewReader(bigBody))
	big = big.WithContext(ctx)
	if res, err := overMux.Do(big); err != nil || res.StatusCode != 200 {
		t.Errorf("a call with a 40 KiB body: %v, %v; want 200", res, err)
	} else {
		res.Body.Close()
	}
	if s, b := post(overMux, ctx, "a=2&b=3", http.Header{"Authorization": {"Bearer secret"}}); s != 200 || b != "5" {
		t.Errorf("with a bearer header: %d %s", s, b)
	}
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	req, _ := http.NewRequestWithContext(short, "POST", a.URL+"/add?a=1&b=1&token=secret&sleep=10s", nil)
	// The deadline is the call's timeout: the server's 504 or the client's
	// deadline, whichever comes first.
	if res, err := overMux.Do(req); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusGatewayTimeout {
			t.Errorf("a call past its deadline: %d, want 504 or the deadline", res.StatusCode)
		}
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call past its deadline: %v, want 504 or the deadline", err)
	}
	// The server answers 504 itself once the call's timeout passed.
	raw := dialRaw(t, ctx, a)
	raw.send(ctx, `{"t":"call","id":1,"method":"POST","path":"/add","query":"a=1&b=1&token=secret&sleep=10s","timeout":50}`)
	if f := raw.expect(ctx, 1); f.T != "reply" || f.Status != http.StatusGatewayTimeout {
		t.Errorf("a call past its timeout: %+v, want reply 504", f)
	}
	// A connection that ends (here on a frame outside the protocol) ends
	// its calls: the server's Shutdown at the test's end does not wait for
	// the 30 s call.
	raw2 := dialRaw(t, ctx, a)
	raw2.send(ctx, `{"t":"call","id":1,"method":"POST","path":"/add","query":"a=1&b=1&token=secret&sleep=30s"}`)
	raw2.send(ctx, `{`)
	if _, _, err := raw2.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusInvalidFramePayloadData {
		t.Errorf("after a bad frame: %v, want close 1007", err)
	}
	if n := a.upgrades.Load(); n != 0 {
		t.Errorf("%d upgrades to the methods' own paths", n)
	}

	b := newAPI(t, apiOption{noMux: true})
	mb := mux.NewClient("http", b.host, ws.DialConfig{})
	defer mb.Close()
	req, _ = http.NewRequestWithContext(ctx, "POST", b.URL+"/add?a=2&b=3&token=secret", nil)
	res, err := (&http.Client{Transport: mb}).Do(req)
	if err != nil {
		t.Fatalf("without the endpoint: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.TrimSpace(string(body)) != "5" {
		t.Errorf("without the endpoint: %d %s", res.StatusCode, body)
	}
	http.DefaultClient.CloseIdleConnections()
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
