package transport_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	duplex "duplex.dev"
	"duplex.dev/sse"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// TestStreamOrEventsRunsTheMethodOnTheSameStream: an event-stream request
// runs the method on the same ServerStream as a WebSocket one, the event
// stream as its carrier: the spec's view projects each event (SetView
// names it in goa-view), Close ends with the end event 1000, the payload
// decoder's error is HTTP, and an error the method returns after its
// first event ends the stream with the close code it maps to (403: 4501).
func TestStreamOrEventsRunsTheMethodOnTheSameStream(t *testing.T) {
	wsrv := ws.NewServer(ws.Config{})
	ssrv := sse.NewServer(wsrv)
	spec := &transport.StreamSpec[map[string]string, any]{
		Endpoint: &ws.Endpoint{Service: "svc", Method: "feed"},
		Statuses: transport.Statuses{"forbidden": http.StatusForbidden},
		View: func(v map[string]string, view string) any {
			if view == "tiny" {
				return map[string]string{"id": v["id"]}
			}
			return v
		},
		DefaultView: "default",
	}
	decode := func(r *http.Request) (string, error) {
		if r.URL.Query().Get("bad") != "" {
			return "", &duplex.Error{Code: duplex.CodeInvalid, Err: errors.New("bad is not allowed")}
		}
		return r.URL.Query().Get("end"), nil
	}
	endpoint := func(ctx context.Context, in any) (any, error) {
		s := in.(*transport.ServerStream[map[string]string, any])
		if s.Events() == nil {
			return nil, errors.New("not an event stream")
		}
		s.SetView("tiny")
		if err := s.SendWithContext(ctx, map[string]string{"id": "1", "secret": "x"}); err != nil {
			return nil, err
		}
		if s.Carrier().Request().URL.Query().Get("end") == "forbidden" {
			return nil, &duplex.ServiceError{Name: "forbidden", Message: "no more"}
		}
		return nil, s.Close()
	}
	h := transport.StreamOrEvents(wsrv, nil, ssrv, spec, endpoint, decode,
		func(_ string, s *transport.ServerStream[map[string]string, any]) any { return s })
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ssrv.Shutdown(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	get := func(query string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/?"+query, nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := get("")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != sse.ContentType || resp.Header.Get(transport.ViewHeader) != "tiny" {
		t.Fatalf("got %d %q %s: %q; want 200 %s with goa-view tiny", resp.StatusCode, resp.Header.Get("Content-Type"),
			transport.ViewHeader, resp.Header.Get(transport.ViewHeader), sse.ContentType)
	}
	if want := "data: {\"id\":\"1\"}\n\nevent: end\ndata: {\"code\":1000,\"reason\":\"\"}\n\n"; body != want {
		t.Errorf("body %q, want %q", body, want)
	}

	if resp, body := get("bad=1"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "bad is not allowed") {
		t.Errorf("a bad parameter: %d %q, want 400 naming it", resp.StatusCode, body)
	}

	_, body = get("end=forbidden")
	if want := "event: end\ndata: {\"code\":4501,\"reason\":\"no more\"}\n\n"; !strings.HasSuffix(body, want) {
		t.Errorf("an error after the first event: %q, want the end %q", body, want)
	}
}
