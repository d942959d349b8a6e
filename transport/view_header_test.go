package transport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// viewServer serves a result stream at /plain and /resumable (with a
// resume.Manager) whose handler calls SetView(view) when view is
// not empty, then sends one result. The handler ends when the client goes.
func viewServer(t *testing.T, view string) string {
	t.Helper()
	wsrv := ws.NewServer(ws.Config{})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "feed", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
	mux := http.NewServeMux()
	// Both paths serve the same method; /resumable with the resumable layer.
	h := func(ctx context.Context, s *transport.ServerStream[any, any]) error {
		if view != "" {
			s.SetView(view)
		}
		if err := s.SendWithContext(ctx, map[string]string{"id": "1"}); err != nil {
			return err
		}
		_, err := s.RecvWithContext(ctx)
		return err
	}
	spec := &transport.StreamSpec[any, any]{Endpoint: ep}
	mux.Handle("GET /plain", streamHandler(wsrv, nil, spec, h))
	mux.Handle("GET /resumable", streamHandler(wsrv, mgr, spec, h))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// TestSetViewSendsGoaViewHeader: as Goa's server does, a handler that calls
// SetView before its first Send names the view in the upgrade response's
// goa-view header (a Goa client validates the results against it), on the
// default wire and on a resumable method (plain and duplex.v1 clients);
// without SetView there is no such header.
func TestSetViewSendsGoaViewHeader(t *testing.T) {
	cases := []struct {
		path  string
		proto []string
	}{
		{"/plain", nil},
		{"/resumable", nil},
		{"/resumable", []string{resume.Subprotocol}},
	}
	for _, view := range []string{"tiny", ""} {
		url := viewServer(t, view)
		for _, c := range cases {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			conn, resp, err := websocket.Dial(ctx, url+c.path, &websocket.DialOptions{Subprotocols: c.proto})
			if err != nil {
				cancel()
				t.Fatalf("view %q, %s %v: dial: %v", view, c.path, c.proto, err)
			}
			got, set := resp.Header[http.CanonicalHeaderKey(transport.ViewHeader)]
			if view == "" && set {
				t.Errorf("no SetView, %s %v: goa-view %q, want no header", c.path, c.proto, got)
			}
			if view != "" && (len(got) != 1 || got[0] != view) {
				t.Errorf("SetView(%q), %s %v: goa-view %q, want %q", view, c.path, c.proto, got, view)
			}
			_ = conn.CloseNow()
			cancel()
		}
	}
}
