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

	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// startResumable serves an echo method marked resumable: it fails with
// 401 when the request has no token, and echoes numbers otherwise.
func startResumable(t *testing.T) (url string, calls *int) {
	t.Helper()
	wsrv := ws.NewServer()
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "echo", Options: []ws.Option{ws.WithSubprotocols(resume.Subprotocol)}}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		transport.ServeResumableStream(w, r, wsrv, ep, mgr, transport.ResumeSubject(map[string]string{"token": token}), nil,
			func(ctx context.Context, s *transport.ResumableStream) error {
				if token == "" {
					return transport.Unauthorized("missing token")
				}
				n++
				for {
					v, err := transport.RecvResumableValue[int](ctx, s, nil)
					if errors.Is(err, io.EOF) {
						return nil
					}
					if err != nil {
						return err
					}
					if err := s.Send(ctx, v*2); err != nil {
						return err
					}
				}
			})
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), &n
}

func echoTwice(t *testing.T, ctx context.Context, s *resume.Stream) {
	t.Helper()
	for _, v := range []int{1, 21} {
		if err := s.Send(ctx, v); err != nil {
			t.Fatal(err)
		}
		got, err := transport.ReceiveResumableValue[int](ctx, s)
		if err != nil || got != 2*v {
			t.Fatalf("echo %d: %d, %v", v, got, err)
		}
	}
}

// TestResumableMethodServesPlainClients: a client that does not ask for
// duplex.v1 gets the default wire on a resumable method, including its
// HTTP errors before the upgrade.
func TestResumableMethodServesPlainClients(t *testing.T) {
	url, _ := startResumable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url+"?token=t")
	if err != nil {
		t.Fatal(err)
	}
	defer transport.CloseClient(c)
	if c.Subprotocol() != "" {
		t.Fatalf("plain client got subprotocol %q", c.Subprotocol())
	}
	if err := c.Send(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got, err := transport.ReceiveValue[int](ctx, c); err != nil || got != 8 {
		t.Fatalf("echo: %d, %v", got, err)
	}
	_, err = ws.Dial(ctx, url)
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("plain client without token: %v, want HTTP 401", err)
	}
}

// TestResumableMethodOverDuplexV1: DialResumable negotiates duplex.v1;
// an authorization failure reaches it as close 4501, not retried.
func TestResumableMethodOverDuplexV1(t *testing.T) {
	url, calls := startResumable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := transport.DialResumable(ctx, url+"?token=t", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Resumable() {
		t.Fatal("duplex.v1 not negotiated")
	}
	echoTwice(t, ctx, s)
	if err := s.CloseSend(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := transport.ReceiveResumableValue[int](ctx, s); !errors.Is(err, io.EOF) {
		t.Fatalf("after CloseSend: %v, want io.EOF", err)
	}
	if *calls != 1 {
		t.Errorf("handler ran %d times", *calls)
	}

	u, err := transport.DialResumable(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	_, err = transport.ReceiveResumableValue[int](ctx, u)
	if ws.CloseStatus(err) != ws.StatusUnauthorized || !strings.Contains(err.Error(), "missing token") {
		t.Fatalf("duplex.v1 without token: %v, want close 4501 missing token", err)
	}
}
