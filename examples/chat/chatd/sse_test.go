package chatd_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
)

// sseEvent is one event read from a text/event-stream response.
type sseEvent struct {
	id, typ, data string
}

// eventStream is a text/event-stream response being read.
type eventStream struct {
	t    *testing.T
	resp *http.Response
	r    *bufio.Reader
}

// openEvents asks n for path as Server-Sent Events (as curl -N -H 'Accept:
// text/event-stream' does), with Last-Event-ID when lastID is not "".
func (n *node) openEvents(t *testing.T, ctx context.Context, path, lastID string) *eventStream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := n.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET %s: %s, Content-Type %q; want 200 text/event-stream", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
	t.Cleanup(s.close)
	return s
}

func (s *eventStream) close() { s.resp.Body.Close() }

// next returns the next event, skipping comment lines (heartbeats).
func (s *eventStream) next() sseEvent {
	s.t.Helper()
	var ev sseEvent
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("read event: %v", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if data == nil {
				continue
			}
			ev.data = strings.Join(data, "\n")
			return ev
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			ev.id = line[len("id: "):]
		case strings.HasPrefix(line, "event: "):
			ev.typ = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[len("data: "):])
		}
	}
}

// messageSeq returns the sequence of the message a room event carries, 0
// for presence.
func messageSeq(t *testing.T, ev sseEvent) int64 {
	t.Helper()
	var re chat.RoomEvent
	if err := json.Unmarshal([]byte(ev.data), &re); err != nil {
		t.Fatalf("event %q: %v", ev.data, err)
	}
	if re.Message == nil {
		return 0
	}
	return re.Message.Sequence
}

func postTexts(t *testing.T, ctx context.Context, c *chat.Client, token, room string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if _, err := c.Send(ctx, &chat.SendPayload{Token: token, Room: room, Text: text}); err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
	}
}

func TestRoomAsEventStreamResumesWithLastEventID(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "alice")
	path := "/rooms/sse?token=" + url.QueryEscape(tok)

	first := n.openEvents(t, ctx, path, "")
	postTexts(t, ctx, c, tok, "sse", "one", "two", "three")
	ids := map[int64]string{}
	for len(ids) < 3 {
		ev := first.next()
		if ev.id == "" {
			t.Fatalf("event %q has no id", ev.data)
		}
		if seq := messageSeq(t, ev); seq > 0 {
			ids[seq] = ev.id
		}
	}
	first.close() // the client goes away after message 3
	postTexts(t, ctx, c, tok, "sse", "four", "five")

	again := n.openEvents(t, ctx, path, ids[2])
	var got []int64
	for len(got) < 3 {
		ev := again.next()
		if ev.typ != "" {
			t.Fatalf("event of type %q: %s", ev.typ, ev.data)
		}
		got = append(got, messageSeq(t, ev))
	}
	if fmt.Sprint(got) != "[3 4 5]" {
		t.Fatalf("after Last-Event-ID %s got %v, want exactly the messages [3 4 5]", ids[2], got)
	}
	// Nothing else happened in the room: the resuming request did not join
	// it again (no presence event), and the next event is the next message.
	postTexts(t, ctx, c, tok, "sse", "six")
	if ev := again.next(); messageSeq(t, ev) != 6 {
		t.Fatalf("event after the resumed ones: %s, want message 6", ev.data)
	}
}

func TestActivityFeedAsEventStreamResumesWithLastEventID(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	tok := n.login(t, ctx, "alice")
	path := "/subscribe?token=" + url.QueryEscape(tok)

	first := n.openEvents(t, ctx, path, "")
	if ev := first.next(); !strings.Contains(ev.data, `"subscribed"`) || ev.id == "" {
		t.Fatalf("first event %+v, want the subscribed event with an id", ev)
	}
	postTexts(t, ctx, c, tok, "feed", "one", "two")
	var seen []sseEvent
	for messages := 0; messages < 2; {
		ev := first.next()
		seen = append(seen, ev)
		if strings.Contains(ev.data, `"action":"message"`) {
			messages++
		}
	}
	last := seen[len(seen)-1]
	first.close()
	postTexts(t, ctx, c, tok, "feed", "three")

	again := n.openEvents(t, ctx, path, last.id)
	ev := again.next()
	if !strings.Contains(ev.data, "alice posted in feed") || !strings.Contains(ev.data, `"action":"message"`) {
		t.Fatalf("first event after Last-Event-ID %s: %+v, want the third message's activity", last.id, ev)
	}
	token, seq, _ := strings.Cut(last.id, ".")
	if want := fmt.Sprintf("%s.%d", token, atoi(t, seq)+1); ev.id != want {
		t.Fatalf("resumed event id %q, want %q (the next one)", ev.id, want)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEventStreamRequestsAreRefusedAsTheWebSocketOnes(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	tok := n.login(t, ctx, "alice")
	for _, tc := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"a bad token", "/rooms/lobby?token=bad", http.StatusUnauthorized, "invalid token"},
		{"an invalid room", "/rooms/NOT-A-ROOM?token=" + url.QueryEscape(tok), http.StatusBadRequest, "room"},
		{"a reserved room", "/rooms/%23activity?token=" + url.QueryEscape(tok), http.StatusForbidden, "reserved"},
		{"an invalid view", "/analytics?view=nope&token=" + url.QueryEscape(tok), http.StatusBadRequest, "view"},
		{"a client stream (echo)", "/echo", http.StatusUpgradeRequired, ""},
	} {
		t.Run(tc.name+" gets "+fmt.Sprint(tc.status), func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.host+tc.path, nil)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := n.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b := new(strings.Builder)
			_, _ = io.Copy(b, resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(b.String(), tc.body) {
				t.Fatalf("%s %q, want %d naming %q", resp.Status, b, tc.status, tc.body)
			}
		})
	}
}
