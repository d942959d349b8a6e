package transport_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"duplex.dev/transport"
)

// TestDialEventsReadsGoaEvents reads an event stream as Goa's servers
// write it, with what else the format allows (comments, CRLF, several
// data lines, a line longer than a read buffer, no blank line at the
// end), and refuses a response that is not an event stream.
func TestDialEventsReadsGoaEvents(t *testing.T) {
	long := strings.Repeat("x", 10000)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" {
			http.Error(w, "want Accept: text/event-stream", http.StatusNotAcceptable)
			return
		}
		if r.URL.Path == "/json" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": hello\n\nid: 1\nevent: tick\nretry: 10\ndata: [\"a\"]\n\r\n"+
			"data: [\"b\",\n: comment\r\ndata: \"c\"]\n\n"+
			"data: [\""+long+"\"]\n\n"+
			"data: [\"last\"]")
	}))
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "http://")
	ctx := context.Background()
	v, err := transport.DialEvents[any, []string](ctx, hs.Client(), "http", host, "s m", "/events", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := v.(*transport.ClientStream[any, []string])
	defer st.Close()
	var got []string
	for range 10 {
		s, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join(s, "+"))
	}
	want := []string{"a", "b+c", long, "last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", got, want)
	}
	if _, err := transport.DialEvents[any, string](ctx, hs.Client(), "http", host, "s m", "/json", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "want 200 text/event-stream") {
		t.Fatalf("a JSON response: %v, want it refused as not an event stream", err)
	}
}
