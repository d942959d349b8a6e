package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// tokenStream serves a resumable method whose payload is the request's
// token query parameter (the session's subject), h being the method.
func tokenStream(wsrv *ws.Server, mgr *resume.Manager, ep *ws.Endpoint, h func(ctx context.Context, token string, s *transport.ServerStream[int, int]) error) http.Handler {
	type input struct {
		token string
		s     *transport.ServerStream[int, int]
	}
	decode := func(r *http.Request) (map[string]string, error) {
		return map[string]string{"token": r.URL.Query().Get("token")}, nil
	}
	endpoint := func(ctx context.Context, in any) (any, error) {
		i := in.(input)
		return nil, h(ctx, i.token, i.s)
	}
	spec := &transport.StreamSpec[int, int]{Endpoint: ep}
	return transport.Stream(wsrv, mgr, spec, endpoint, decode, func(p map[string]string, s *transport.ServerStream[int, int]) any {
		return input{p["token"], s}
	})
}

// dialResumable opens a resumable client stream of ints at rawURL.
func dialResumable(ctx context.Context, rawURL string, opts ...resume.ClientOption) (*transport.ClientStream[int, int], error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	d := &transport.Dialer{Scheme: "http", Host: u.Host, ResumeOptions: opts}
	res, err := transport.Dial[int, int](ctx, d, "svc echo", u.EscapedPath(), u.Query(), nil, true)
	if err != nil {
		return nil, err
	}
	return res.(*transport.ClientStream[int, int]), nil
}

// startResumable serves an echo method marked resumable: it fails with
// 401 when the request has no token, and echoes numbers otherwise.
func startResumable(t *testing.T) (url string, calls *int) {
	t.Helper()
	wsrv := ws.NewServer(ws.Config{})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "echo", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
	n := 0
	srv := httptest.NewServer(tokenStream(wsrv, mgr, ep, func(ctx context.Context, token string, s *transport.ServerStream[int, int]) error {
		if token == "" {
			return transport.Unauthorized("missing token")
		}
		if s.Session() == nil && s.Conn() == nil {
			return nil // a resume: the session's handler serves it
		}
		n++
		for {
			v, err := s.RecvWithContext(ctx)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.SendWithContext(ctx, v*2); err != nil {
				return err
			}
		}
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

func echoTwice(t *testing.T, ctx context.Context, s *transport.ClientStream[int, int]) {
	t.Helper()
	for _, v := range []int{1, 21} {
		if err := s.SendWithContext(ctx, v); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecvWithContext(ctx)
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
	ctx, c := dialStream[int, int](t, url+"?token=t")
	if p := c.Carrier().(interface{ Subprotocol() string }).Subprotocol(); p != "" {
		t.Fatalf("plain client got subprotocol %q", p)
	}
	if err := c.SendWithContext(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got, err := c.RecvWithContext(ctx); err != nil || got != 8 {
		t.Fatalf("echo: %d, %v", got, err)
	}
	_, err := ws.Dial(ctx, url, ws.DialConfig{})
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("plain client without token: %v, want HTTP 401", err)
	}
}

// TestResumableMethodOverDuplexV1: a resumable transport.Dial negotiates duplex.v1;
// an authorization failure is HTTP 401 before the upgrade, as on the
// default wire, not retried.
func TestResumableMethodOverDuplexV1(t *testing.T) {
	url, calls := startResumable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := dialResumable(ctx, url+"?token=t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Carrier().(interface{ Resumable() bool }).Resumable() {
		t.Fatal("duplex.v1 not negotiated")
	}
	echoTwice(t, ctx, s)
	if err := s.CloseSend(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecvWithContext(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after CloseSend: %v, want io.EOF", err)
	}
	if *calls != 1 {
		t.Errorf("handler ran %d times", *calls)
	}

	_, err = dialResumable(ctx, url)
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "missing token") {
		t.Fatalf("duplex.v1 without token: %v, want HTTP 401 missing token", err)
	}
}

// TestForgedHellosGetNoSession: on a resumable method, a duplex.v1 client
// with forged credentials is refused with HTTP 401 before the upgrade,
// as on the default wire: thousands of concurrent forged hellos create no
// session, and a valid user who comes after them gets in.
func TestForgedHellosGetNoSession(t *testing.T) {
	const hostile, parallel = 2000, 32
	wsrv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "feed", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
	srv := httptest.NewServer(tokenStream(wsrv, mgr, ep, func(ctx context.Context, token string, s *transport.ServerStream[int, int]) error {
		if token != "valid" {
			return transport.Unauthorized("invalid token")
		}
		if err := s.SendWithContext(ctx, 1); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	}()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var mu sync.Mutex
	outcomes := map[string]int{}
	next := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outcome := forgedHello(ctx, fmt.Sprintf("%s/?token=forged-%d", url, i))
				mu.Lock()
				outcomes[outcome]++
				mu.Unlock()
			}
		}()
	}
	for i := range hostile {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	sessions := mgr.Len()
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("%d forged hellos (%d at a time) in %v: %v; sessions held %d; heap in use %.1f MB before, %.1f MB after",
		hostile, parallel, elapsed.Round(time.Millisecond), outcomes, sessions,
		float64(before.HeapInuse)/1e6, float64(after.HeapInuse)/1e6)
	if outcomes["401"] != hostile {
		t.Errorf("forged hellos: %v, want all %d refused with HTTP 401", outcomes, hostile)
	}
	if sessions != 0 {
		t.Errorf("%d sessions held after forged hellos, want 0", sessions)
	}

	s, err := dialResumable(ctx, url+"/?token=valid", resume.WithRetry(ws.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatalf("valid user after the forged hellos: %v", err)
	}
	defer s.Close()
	if v, err := s.RecvWithContext(ctx); err != nil || v != 1 {
		t.Fatalf("valid user's first message: %v, %v", v, err)
	}
	if n := mgr.Len(); n != 1 {
		t.Errorf("sessions = %d, want the valid user's only", n)
	}
}

// forgedHello offers duplex.v1 with forged credentials and says hello as a
// client in any language would; it reports what the server answered.
func forgedHello(ctx context.Context, url string) string {
	c, err := ws.Dial(ctx, url, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}})
	var herr *ws.HTTPError
	switch {
	case errors.As(err, &herr):
		return strconv.Itoa(herr.StatusCode)
	case err != nil:
		return "dial error"
	}
	defer c.Close()
	if err := c.SendRaw(ctx, []byte(`{"hello":{}}`)); err != nil {
		return "upgraded, send failed"
	}
	b, err := c.ReceiveRaw(ctx)
	switch {
	case err != nil:
		return fmt.Sprintf("upgraded, close %d", ws.CloseStatus(err))
	case strings.Contains(string(b), `"welcome"`):
		return "welcome"
	}
	return "upgraded"
}

// TestResumeIsAuthenticatedAgain: a resume runs the method's
// authorization like any request, so a credential revoked after the
// session began gets HTTP 401 instead of the session.
func TestResumeIsAuthenticatedAgain(t *testing.T) {
	var revoked atomic.Bool
	wsrv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)})
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "feed", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
	srv := httptest.NewServer(tokenStream(wsrv, mgr, ep, func(ctx context.Context, token string, s *transport.ServerStream[int, int]) error {
		if token != "valid" || revoked.Load() {
			return transport.Unauthorized("invalid token")
		}
		if err := s.SendWithContext(ctx, 1); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	}()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/?token=valid"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendRaw(ctx, []byte(`{"hello":{}}`)); err != nil {
		t.Fatal(err)
	}
	b, err := c.ReceiveRaw(ctx)
	var welcome struct {
		Welcome struct{ Token string } `json:"welcome"`
	}
	if err != nil || json.Unmarshal(b, &welcome) != nil || welcome.Welcome.Token == "" {
		t.Fatalf("welcome: %s, %v", b, err)
	}
	c.Close() // the connection drops; the session waits for a resume
	revoked.Store(true)
	_, err = ws.Dial(ctx, url, ws.DialConfig{Subprotocols: []string{resume.Subprotocol}})
	var herr *ws.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("resume with a revoked credential: %v, want HTTP 401 before the upgrade", err)
	}
	if n := mgr.Len(); n != 1 {
		t.Errorf("sessions = %d, want the first one only (waiting out its grace)", n)
	}
}
