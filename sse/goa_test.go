package sse_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"duplex.dev/sse"
	"duplex.dev/ws"
)

// TestGoaWireHasNoEndEvent serves a stream with HandleGoa: each event has
// Goa's id:, event: and retry: lines, and Shutdown ends the response with
// no end event (Goa's client would read it as one more result).
func TestGoaWireHasNoEndEvent(t *testing.T) {
	srv := sse.NewServer(ws.NewServer(ws.Config{}))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := srv.HandleGoa(w, r, &ws.Endpoint{Service: "s", Method: "m"}, func(ctx context.Context, st *sse.Stream) error {
			if err := st.SendEvent(ctx, sse.Event{ID: "7", Type: "tick", Retry: 1500, Data: []byte(`{"n":1}`)}); err != nil {
				return err
			}
			if err := st.SendEvent(ctx, sse.Event{Data: []byte("a\nb")}); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	defer hs.Close()
	resp, err := http.Get(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != sse.ContentType {
		t.Fatalf("Content-Type %q, want %s", ct, sse.ContentType)
	}
	want := "id: 7\nevent: tick\nretry: 1500\ndata: {\"n\":1}\n\ndata: a\ndata: b\n\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(resp.Body, got); err != nil {
		t.Fatalf("read: %v (got %q)", err, got)
	}
	if string(got) != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read after shutdown: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("after shutdown the stream wrote %q, want nothing (Goa's wire has no end event)", rest)
	}
}
