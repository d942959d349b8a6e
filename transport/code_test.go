package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	duplex "duplex.dev"
	"duplex.dev/security"
	"duplex.dev/sse"
	"duplex.dev/transport"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// codeCase is one error a handler returns and what every wire makes of it.
type codeCase struct {
	name   string
	err    error       // what the handler returns, wrapped twice on the way out
	code   duplex.Code // what duplex.CodeOf finds on the client
	status int         // the HTTP status before the upgrade
	close  int         // the close code after it
	reason string      // the response's message and the close reason
}

// codeCases covers every duplex.Code, with the error kinds that carry one:
// a *duplex.Error, a validation *duplex.ServiceError, an auth method's
// plain error, a design error the design maps to a status, a bare error.
func codeCases() []codeCase {
	return []codeCase{
		{"a validation error is invalid", duplex.MissingFieldError("name", "body"),
			duplex.CodeInvalid, 400, 1007, `"name" is missing from body`},
		{"an auth method's error is unauthenticated", security.Unauthenticated(errors.New("token expired")),
			duplex.CodeUnauthenticated, 401, 4501, "token expired"},
		{"a permission error is permission denied", duplex.NewError(duplex.CodePermissionDenied, "forbidden", "not a member of %s", "#ops"),
			duplex.CodePermissionDenied, 403, 4501, "not a member of #ops"},
		{"a refusal is refused", duplex.NewError(duplex.CodeRefused, "room_closed", "the room is closed"),
			duplex.CodeRefused, 409, 1008, "the room is closed"},
		{"a design error mapped to 404 is refused", duplex.PermanentError("not_found", "no room #x"),
			duplex.CodeRefused, 404, 1008, "no room #x"},
		{"a too large error is too large", duplex.NewError(duplex.CodeTooLarge, "message_too_large", "the room keeps 1 KiB messages"),
			duplex.CodeTooLarge, 413, 1009, "the room keeps 1 KiB messages"},
		{"a quota is resource exhausted", duplex.NewError(duplex.CodeResourceExhausted, "too_many_rooms", "leave a room first"),
			duplex.CodeResourceExhausted, 429, 4029, "leave a room first"},
		{"any other error is internal and not sent", errors.New("database down"),
			duplex.CodeInternal, 500, 1011, "internal error"},
	}
}

// errorServer serves /unary and /stream on 127.0.0.1: both return
// codeCases()[case] (the query's case), the stream before its first
// message or, with after=1, after it; /stream is a resumable method: a
// WebSocket on the default wire or duplex.v1, or, with Accept:
// text/event-stream, Server-Sent Events.
func errorServer(t *testing.T) string {
	t.Helper()
	cases := codeCases()
	errFor := func(q url.Values) error {
		i, err := strconv.Atoi(q.Get("case"))
		if err != nil || i < 0 || i >= len(cases) {
			return errors.New("no such case")
		}
		return fmt.Errorf("handler: %w", fmt.Errorf("service: %w", cases[i].err))
	}
	statuses := transport.Statuses{"not_found": http.StatusNotFound}
	decode := func(r *http.Request) (url.Values, error) { return r.URL.Query(), nil }
	wsrv := ws.NewServer(ws.Config{})
	ssrv := sse.NewServer(wsrv)
	mgr := resume.NewManager()
	ep := &ws.Endpoint{Service: "svc", Method: "feed", Config: ws.Config{Subprotocols: []string{resume.Subprotocol}}}
	spec := &transport.StreamSpec[string, any]{Endpoint: ep, Statuses: statuses}
	type call struct {
		q url.Values
		s *transport.ServerStream[string, any]
	}
	stream := func(ctx context.Context, in any) (any, error) {
		c := in.(call)
		if c.q.Get("after") != "" {
			if err := c.s.SendWithContext(ctx, "first"); err != nil {
				return nil, err
			}
		}
		return nil, errFor(c.q)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /unary", transport.Unary(func(_ context.Context, p any) (any, error) { return nil, errFor(p.(url.Values)) }, decode, http.StatusOK, statuses))
	mux.Handle("GET /stream", transport.StreamOrEvents(wsrv, mgr, ssrv, spec, stream, decode,
		func(q url.Values, s *transport.ServerStream[string, any]) any { return call{q, s} }))
	srv := httptest.NewUnstartedServer(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
		_ = ssrv.Shutdown(ctx)
		_ = wsrv.Shutdown(ctx)
		srv.Close()
	})
	return srv.URL
}

// clientCode wraps err twice, as a caller's layers would, and returns the
// code and message of the *duplex.Error errors.As finds in it.
func clientCode(t *testing.T, err error) (duplex.Code, string) {
	t.Helper()
	err = fmt.Errorf("app: %w", fmt.Errorf("client: %w", err))
	var de *duplex.Error
	if !errors.As(err, &de) {
		t.Fatalf("errors.As finds no *duplex.Error in %v (%T)", err, errors.Unwrap(errors.Unwrap(err)))
	}
	if got := duplex.CodeOf(err); got != de.Code {
		t.Fatalf("CodeOf = %v, errors.As found %v", got, de.Code)
	}
	return de.Code, de.Message
}

// TestEveryCodeMeansTheSameOnEveryWire: the error a handler returns is
// answered with its code's HTTP status before the upgrade (unary, a
// WebSocket handshake, an event stream), with its close code and reason
// after it (a WebSocket close frame, the end event of an event stream),
// and the client finds a *duplex.Error with the same code through two
// wrapping layers in what each of them returns.
func TestEveryCodeMeansTheSameOnEveryWire(t *testing.T) {
	base := errorServer(t)
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	for i, tc := range codeCases() {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			q := "?case=" + strconv.Itoa(i)

			t.Run("unary answers with the status", func(t *testing.T) {
				resp, err := http.Get(base + "/unary" + q)
				if err != nil {
					t.Fatal(err)
				}
				var body struct{ Name, Message string }
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != tc.status || body.Message != tc.reason {
					t.Errorf("got %d %q, want %d %q", resp.StatusCode, body.Message, tc.status, tc.reason)
				}
				req, _ := transport.NewRequest(ctx, "GET", base+"/unary"+q, nil)
				_, err = transport.Do[string](nil, req)
				if code, msg := clientCode(t, err); code != tc.code || msg != tc.reason {
					t.Errorf("client: %v %q, want %v %q", code, msg, tc.code, tc.reason)
				}
			})

			t.Run("a stream refuses the handshake with the status", func(t *testing.T) {
				_, err := ws.Dial(ctx, wsBase+"/stream"+q, ws.DialConfig{})
				var he *ws.HTTPError
				if !errors.As(err, &he) || he.StatusCode != tc.status {
					t.Fatalf("dial: %v, want HTTP %d", err, tc.status)
				}
				if code, msg := clientCode(t, err); code != tc.code || msg != tc.reason {
					t.Errorf("client: %v %q, want %v %q", code, msg, tc.code, tc.reason)
				}
			})

			t.Run("a stream closes with the close code after the upgrade", func(t *testing.T) {
				c, err := ws.Dial(ctx, wsBase+"/stream"+q+"&after=1", ws.DialConfig{})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				var first string
				if err := c.Receive(ctx, &first); err != nil || first != "first" {
					t.Fatalf("first message %q, %v", first, err)
				}
				err = c.Receive(ctx, &first)
				var ce *ws.CloseError
				if !errors.As(err, &ce) || int(ce.Code) != tc.close || ce.Reason != tc.reason {
					t.Fatalf("receive: %v, want close %d %q", err, tc.close, tc.reason)
				}
				want := tc.code
				if want == duplex.CodePermissionDenied {
					want = duplex.CodeUnauthenticated // 4501 stands for both
				}
				if code, msg := clientCode(t, err); code != want || msg != tc.reason {
					t.Errorf("client: %v %q, want %v %q", code, msg, want, tc.reason)
				}
			})

			for _, resumable := range []bool{false, true} {
				t.Run(fmt.Sprintf("the generated client's stream ends with the close code after the upgrade (resumable %v)", resumable), func(t *testing.T) {
					d := &transport.Dialer{Scheme: "http", Host: strings.TrimPrefix(base, "http://")}
					res, err := transport.Dial[any, string](ctx, d, "svc feed", "/stream", url.Values{"case": {strconv.Itoa(i)}, "after": {"1"}}, nil, resumable)
					if err != nil {
						t.Fatal(err)
					}
					s := res.(*transport.ClientStream[any, string])
					defer s.Close()
					if first, err := s.RecvWithContext(ctx); err != nil || first != "first" {
						t.Fatalf("first message %q, %v", first, err)
					}
					_, err = s.RecvWithContext(ctx)
					if got := ws.CloseStatus(err); int(got) != tc.close {
						t.Fatalf("receive: %v, want close %d", err, tc.close)
					}
					want := tc.code
					if want == duplex.CodePermissionDenied {
						want = duplex.CodeUnauthenticated
					}
					if code, msg := clientCode(t, err); code != want || msg != tc.reason {
						t.Errorf("client: %v %q, want %v %q", code, msg, want, tc.reason)
					}
				})
			}

			t.Run("an event stream answers with the status before its first event", func(t *testing.T) {
				resp := getEvents(t, ctx, base+"/stream"+q)
				resp.Body.Close()
				if resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
				_, err := transport.DialEvents[string, any](ctx, http.DefaultClient, "http", strings.TrimPrefix(base, "http://"), "svc feed", "/stream", url.Values{"case": {strconv.Itoa(i)}}, nil, nil)
				if code, msg := clientCode(t, err); code != tc.code || msg != tc.reason {
					t.Errorf("client: %v %q, want %v %q", code, msg, tc.code, tc.reason)
				}
			})

			t.Run("an event stream ends with the close code after its first event", func(t *testing.T) {
				resp := getEvents(t, ctx, base+"/stream"+q+"&after=1")
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				end, _ := json.Marshal(map[string]any{"code": tc.close, "reason": tc.reason})
				if want := "event: end\ndata: " + string(end) + "\n\n"; !strings.HasSuffix(string(b), want) {
					t.Errorf("events %q, want the end %q", b, want)
				}
			})
		})
	}
}

func getEvents(t *testing.T, ctx context.Context, rawURL string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", rawURL, nil)
	req.Header.Set("Accept", sse.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestCodeTableRoundTrips: every code's status and close code lead back to
// it (4501 to CodeUnauthenticated, which CodePermissionDenied shares).
func TestCodeTableRoundTrips(t *testing.T) {
	for c := duplex.CodeInternal; c <= duplex.CodeResourceExhausted; c++ {
		if got := duplex.CodeForStatus(c.HTTPStatus()); got != c {
			t.Errorf("CodeForStatus(%d) = %v, want %v", c.HTTPStatus(), got, c)
		}
		want := c
		if c == duplex.CodePermissionDenied {
			want = duplex.CodeUnauthenticated
		}
		if got, ok := duplex.CodeForClose(c.CloseCode()); !ok || got != want {
			t.Errorf("CodeForClose(%d) = %v, %v, want %v", c.CloseCode(), got, ok, want)
		}
	}
	for _, closeCode := range []int{1000, 1001, 1006, 4000, 4500} {
		if c, ok := duplex.CodeForClose(closeCode); ok {
			t.Errorf("CodeForClose(%d) = %v, want none", closeCode, c)
		}
	}
}
