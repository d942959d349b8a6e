package resume_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// BenchmarkEcho compares the default wire with duplex.v1 on a pipelined
// echo of 64-byte messages over loopback: one op is one message sent and
// its echo received.
func BenchmarkEcho(b *testing.B) {
	payload := msg{Pad: pad[:52]}
	b.Run("default", func(b *testing.B) {
		url := startPlainB(b)
		ctx := context.Background()
		c, err := ws.Dial(ctx, url, ws.DialConfig{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		benchEcho(b, func(v msg) error { return c.Send(ctx, v) }, func(v *msg) error { return c.Receive(ctx, v) }, payload)
	})
	b.Run("duplex.v1", func(b *testing.B) {
		url := startResumeB(b)
		ctx := context.Background()
		s, err := resume.Dial(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchEcho(b, func(v msg) error { return s.Send(ctx, v) }, func(v *msg) error { return s.Receive(ctx, v) }, payload)
	})
}

func benchEcho(b *testing.B, send func(msg) error, recv func(*msg) error, payload msg) {
	b.ReportAllocs()
	b.ResetTimer()
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			payload.N = i
			if err := send(payload); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < b.N; i++ {
		var m msg
		if err := recv(&m); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

func startPlainB(b *testing.B) string {
	wsrv := ws.NewServer(ws.Config{})
	return serveB(b, wsrv, func(ctx context.Context, c *ws.Conn) error {
		for {
			var v msg
			if err := c.Receive(ctx, &v); err != nil {
				return nil
			}
			if err := c.Send(ctx, v); err != nil {
				return err
			}
		}
	})
}

func startResumeB(b *testing.B) string {
	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}})
	mgr := resume.NewManager()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
	})
	return serveB(b, wsrv, func(ctx context.Context, c *ws.Conn) error {
		return mgr.Serve(c, "", func(ctx context.Context, s *resume.Session) error {
			for {
				var v msg
				err := s.Receive(ctx, &v)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				if err := s.Send(ctx, v); err != nil {
					return err
				}
			}
		})
	})
}
