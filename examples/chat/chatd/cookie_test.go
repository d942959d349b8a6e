package chatd_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/design"
	"duplex.dev/ws"
)

// TestBrowserSessionCookie is the chat page's flow without the browser:
// session sets the JWT in an HttpOnly, SameSite=Strict cookie and not in
// the body; that cookie alone authenticates unary calls and every
// streaming upgrade; a forged or missing one is a 401 before the upgrade;
// and an upgrade from another origin is refused although it carries the
// valid cookie (cross-site WebSocket hijacking).
func TestBrowserSessionCookie(t *testing.T) {
	n := startSecChatd(t, chatd.Config{})
	ctx := secContext(t)

	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+n.host+"/session", nil)
	req.SetBasicAuth("alice", secPassword)
	resp, err := n.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == design.SessionCookie {
			session = c
		}
	}
	if resp.StatusCode != http.StatusOK || session == nil || session.Value == "" {
		t.Fatalf("POST /session: %d, cookies %v, want 200 and the %s cookie", resp.StatusCode, resp.Cookies(), design.SessionCookie)
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" {
		t.Errorf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/", session)
	}
	if bytes.Contains(body, []byte(session.Value)) || !bytes.Contains(body, []byte(`"user":"alice"`)) {
		t.Errorf("body %s: want the user, not the token", body)
	}
	cookie := http.Header{"Cookie": {design.SessionCookie + "=" + session.Value}}

	t.Run("the cookie authenticates a unary call", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+n.host+"/rooms/general/history", nil)
		req.Header = cookie.Clone()
		resp, err := n.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("history with the cookie: %d, want 200", resp.StatusCode)
		}
	})
	dial := func(path string, h http.Header) error {
		c, err := ws.Dial(ctx, "ws://"+n.host+path, ws.DialConfig{HTTPClient: n.http, Header: h})
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	for _, path := range streamingPaths {
		t.Run("the cookie authenticates the upgrade of "+path, func(t *testing.T) {
			if err := dial(path, cookie); err != nil {
				t.Fatal(err)
			}
			own := cookie.Clone()
			own.Set("Origin", "http://"+n.host)
			if err := dial(path, own); err != nil {
				t.Fatalf("from the page's own origin: %v", err)
			}
		})
		t.Run("a missing, forged or cross-origin cookie is refused on "+path, func(t *testing.T) {
			for _, tc := range []struct {
				h      http.Header
				status int
				want   string
			}{
				{http.Header{}, http.StatusUnauthorized, design.SessionCookie},
				{http.Header{"Cookie": {design.SessionCookie + "=" + session.Value + "x"}}, http.StatusUnauthorized, ""},
				{http.Header{"Cookie": cookie["Cookie"], "Origin": {"http://evil.example"}}, http.StatusForbidden, ""},
			} {
				var he *ws.HTTPError
				if err := dial(path, tc.h); !errors.As(err, &he) || he.StatusCode != tc.status || !strings.Contains(he.Body, tc.want) {
					t.Errorf("headers %v: %v, want HTTP %d with %q", tc.h, err, tc.status, tc.want)
				}
			}
		})
	}
}
