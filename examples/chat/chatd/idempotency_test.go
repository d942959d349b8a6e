package chatd_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/ws"
)

// cutProxy forwards requests to its backends in turn. The first post of a
// message is forwarded and answered by chatd, then its connection is
// closed before the answer: the client cannot tell whether it was stored.
type cutProxy struct {
	backends []string
	tr       *http.Transport
	next     atomic.Int64
	cut      atomic.Bool
	requests atomic.Int64
}

func (p *cutProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	backend := p.backends[int(p.next.Add(1)-1)%len(p.backends)]
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+backend+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	res, err := p.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/messages") && p.cut.CompareAndSwap(false, true) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

// startCutProxy serves a cutProxy in front of backends until the test ends
// and returns it with its address.
func startCutProxy(t *testing.T, backends ...string) (*cutProxy, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{backends: backends, tr: &http.Transport{}}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		p.tr.CloseIdleConnections()
	})
	return p, ln.Addr().String()
}

func TestARetriedPostIsStoredOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes func(t *testing.T) []*node
	}{
		{"in memory: the retry reaches the same node", func(t *testing.T) []*node {
			return []*node{startChatd(t, chatd.Config{})}
		}},
		{"on NATS: the retry reaches another node", func(t *testing.T) []*node {
			url := startNATS(t)
			return []*node{startChatd(t, chatd.Config{NATSURL: url, NodeID: "a"}), startChatd(t, chatd.Config{NATSURL: url, NodeID: "b"})}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := clusterContext(t)
			nodes := tc.nodes(t)
			var hosts []string
			for _, n := range nodes {
				hosts = append(hosts, n.host)
			}
			proxy, addr := startCutProxy(t, hosts...)
			token := nodes[0].login(t, ctx, "alice")
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			c := chatc.NewClient("http", addr, &http.Client{Transport: tr, Timeout: 10 * time.Second}, ws.DialConfig{})
			msg, err := chat.NewClient(nil, nil, nil, nil, nil, c.Send(), nil, nil, nil).Send(ctx, &chat.SendPayload{Token: token, Room: "lobby", Text: "once"})
			if err != nil {
				t.Fatalf("Send through the cut: %v", err)
			}
			if proxy.requests.Load() != 2 {
				t.Errorf("the proxy saw %d requests, want 2 (the cut one and its retry)", proxy.requests.Load())
			}
			for _, n := range nodes {
				h, err := n.client().History(ctx, &chat.HistoryPayload{Token: token, Room: "lobby", Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if len(h) != 1 || h[0].Sequence != msg.Sequence || h[0].Text != "once" {
					t.Errorf("history on %s: %d messages (%+v), want the one message the retry answered with (%+v)", n.host, len(h), h, msg)
				}
			}
		})
	}
}
