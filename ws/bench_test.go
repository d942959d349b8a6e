package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkEchoRoundTrip measures one message to the server and back over
// loopback through Handle, Receive and SendRaw (the queue and its writer).
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, size := range []int{64, 16 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = srv.Handle(w, r, nil, echoHandler)
			}))
			defer hs.Close()
			ctx := context.Background()
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
			if err != nil {
				b.Fatal(err)
			}
			c.SetReadLimit(1 << 20)
			msg := []byte(`"` + strings.Repeat("x", size-2) + `"`)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.Read(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = c.Close(websocket.StatusNormalClosure, "")
			if err := srv.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSendBurst measures bursts of 32 small messages from a handler
// to a client that reads them all: one client message triggers the burst,
// which the handler queues with Send back to back; the connection's writer
// drains the queue in batches. One op is one burst.
func BenchmarkSendBurst(b *testing.B) {
	const burst = 32
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
	msg := json.RawMessage(`{"message":"` + strings.Repeat("x", 40) + `"}`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = srv.Handle(w, r, nil, func(ctx context.Context, c *Conn) error {
			for {
				var v json.RawMessage
				if err := c.Receive(ctx, &v); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
				for range burst {
					if err := c.Send(ctx, msg); err != nil {
						return err
					}
				}
			}
		})
	}))
	defer hs.Close()
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	trigger := []byte(`{}`)
	b.SetBytes(int64(burst * len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(ctx, websocket.MessageText, trigger); err != nil {
			b.Fatal(err)
		}
		for range burst {
			if _, _, err := c.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	_ = c.Close(websocket.StatusNormalClosure, "")
	if err := srv.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}
