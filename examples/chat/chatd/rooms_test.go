package chatd_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/ws"
)

// roomRequest sends a request about room (path-escaped into the URL) with
// token in the Authorization header and returns the status, the goa-error
// header and the body.
func roomRequest(t *testing.T, ctx context.Context, n *node, method, room, suffix, body, token string) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+n.host+"/rooms/"+url.PathEscape(room)+suffix, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := n.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("goa-error"), string(b)
}

// joinStatus dials join for room and returns the HTTP status the upgrade
// was refused with, or 101 if it upgraded.
func joinStatus(t *testing.T, ctx context.Context, n *node, room, token string) (int, string) {
	t.Helper()
	c, err := ws.Dial(ctx, "ws://"+n.host+"/rooms/"+url.PathEscape(room)+"?token="+url.QueryEscape(token), ws.DialConfig{HTTPClient: n.http})
	if err == nil {
		_ = c.Close()
		return http.StatusSwitchingProtocols, ""
	}
	var he *ws.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("join %.80q: %.300v", room, err)
	}
	return he.StatusCode, he.Body
}

func TestEveryMethodValidatesRoomNamesTheSameWay(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	tok := n.login(t, ctx, "alice")

	// Control: a good name works everywhere.
	if st, _, body := roomRequest(t, ctx, n, "POST", "general", "/messages", `{"text":"hi"}`, tok); st != http.StatusCreated {
		t.Fatalf("send to general: %d %s", st, body)
	}
	if st, _, body := roomRequest(t, ctx, n, "GET", "general", "/history", "", tok); st != http.StatusOK {
		t.Fatalf("history of general: %d %s", st, body)
	}
	if st, body := joinStatus(t, ctx, n, "general", tok); st != http.StatusSwitchingProtocols {
		t.Fatalf("join general: %d %s", st, body)
	}

	for name, room := range map[string]string{
		"a path":            "../x",
		"a NUL":             "\x00",
		"5000 characters":   strings.Repeat("a", 5000),
		"65 characters":     strings.Repeat("a", 65),
		"upper case":        "General",
		"a space":           "a b",
		"a lone reserved #": "#",
		"a # in the middle": "a#b",
	} {
		t.Run(name+" is 400 for send, history and join", func(t *testing.T) {
			st, goaErr, body := roomRequest(t, ctx, n, "POST", room, "/messages", `{"text":"hi"}`, tok)
			if st != http.StatusBadRequest || !strings.Contains(body, "room") {
				t.Errorf("send: %d %s %.300s, want 400 naming room", st, goaErr, body)
			}
			st, goaErr, body = roomRequest(t, ctx, n, "GET", room, "/history", "", tok)
			if st != http.StatusBadRequest || !strings.Contains(body, "room") {
				t.Errorf("history: %d %s %.300s, want 400 naming room", st, goaErr, body)
			}
			if st, body := joinStatus(t, ctx, n, room, tok); st != http.StatusBadRequest || !strings.Contains(body, "room") {
				t.Errorf("join: %d %.300s, want 400 naming room", st, body)
			}
		})
	}
}

func TestReservedRoomsAreNeitherWritableNorReadable(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")

	// Bob follows the activity feed, raw, to see exactly what it delivers.
	feed, err := ws.Dial(ctx, "ws://"+n.host+"/subscribe?token="+url.QueryEscape(bob), ws.DialConfig{HTTPClient: n.http})
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()

	for _, room := range []string{"#activity", "#other"} {
		st, goaErr, body := roomRequest(t, ctx, n, "POST", room, "/messages", `{"text":"forged"}`, alice)
		if st != http.StatusForbidden || goaErr != "forbidden" || !strings.Contains(body, "reserved") {
			t.Errorf("send to %q: %d %q %s, want 403 forbidden saying the room is reserved", room, st, goaErr, body)
		}
		st, goaErr, body = roomRequest(t, ctx, n, "GET", room, "/history", "", alice)
		if st != http.StatusForbidden || goaErr != "forbidden" {
			t.Errorf("history of %q: %d %q %s, want 403 forbidden", room, st, goaErr, body)
		}
		if st, body := joinStatus(t, ctx, n, room, alice); st != http.StatusForbidden || !strings.Contains(body, "reserved") {
			t.Errorf("join %q: %d %s, want 403 saying the room is reserved", room, st, body)
		}
	}
	// Unauthenticated is still 401, not 403: the credentials come first.
	if st, _, body := roomRequest(t, ctx, n, "POST", "#activity", "/messages", `{"text":"forged"}`, "forged"); st != http.StatusUnauthorized {
		t.Errorf("send to #activity without credentials: %d %s, want 401", st, body)
	}

	// A genuine post: its activity event is the marker that the feed has
	// delivered everything before it. Every frame must be a feed event.
	if st, _, body := roomRequest(t, ctx, n, "POST", "general", "/messages", `{"text":"genuine"}`, alice); st != http.StatusCreated {
		t.Fatalf("send to general: %d %s", st, body)
	}
	for {
		frame, err := feed.ReceiveRaw(ctx)
		if err != nil {
			t.Fatalf("activity feed: %v", err)
		}
		var ev map[string]any
		if err := json.Unmarshal(frame, &ev); err != nil {
			t.Fatalf("activity feed frame %q: %v", frame, err)
		}
		for _, k := range []string{"message", "action", "timestamp"} {
			if _, ok := ev[k].(string); !ok {
				t.Fatalf("activity feed delivered %s: not a feed event (no %q)", frame, k)
			}
		}
		if len(ev) != 3 {
			t.Fatalf("activity feed delivered %s: not a feed event", frame)
		}
		if ev["message"] == "alice posted in general" {
			return
		}
	}
}
