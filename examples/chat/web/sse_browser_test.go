package web_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"duplex.dev/examples/chat/chatd"
)

// TestWebPageFallsBackToServerSentEventsInChromium puts a reverse proxy
// that does not let WebSockets through in front of chatd (one refuses the
// upgrades with 403, the other drops the connection) and runs
// test/browser.mjs sse through it: the pages fall back to Server-Sent
// Events, say so, and chat (room and activity feed) as usual.
func TestWebPageFallsBackToServerSentEventsInChromium(t *testing.T) {
	_, _, missing := browserTools()
	skipWithout(t, missing)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &chatServer{t: t, addr: ln.Addr().String(), cfg: chatd.Config{JWTSecret: []byte("browser test secret")}}
	srv.start(ln)
	defer srv.stop()
	target, _ := url.Parse("http://" + srv.addr)

	for _, c := range []struct {
		name   string
		refuse func(w http.ResponseWriter)
	}{
		{"a proxy that answers upgrades with 403", func(w http.ResponseWriter) {
			http.Error(w, "WebSockets are not allowed through this proxy", http.StatusForbidden)
		}},
		{"a proxy that drops upgrades", func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rp := httputil.NewSingleHostReverseProxy(target)
			rp.FlushInterval = -1 // events go through at once
			var upgrades atomic.Int64
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
					upgrades.Add(1)
					c.refuse(w)
					return
				}
				rp.ServeHTTP(w, r)
			}))
			defer proxy.Close()
			runBrowser(t, "sse", proxy.URL+"/", nil, nil)
			proxy.Close()
			if upgrades.Load() == 0 {
				t.Fatal("the pages never tried a WebSocket: the proxy proved nothing")
			}
		})
	}
}
