package resume_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// BenchmarkEchoWire measures what duplex.v1 costs against the default wire
// (docs/protocol.md, sections 1 and 2) on one server that speaks both, the
// way transport.Stream serves a resumable method: a client
// that offers the "duplex.v1" subprotocol gets {"seq":N,"data":…} frames,
// {"ack":A} batches and a replay buffer; one that does not gets the
// default wire's bare JSON documents. One op is one 64-byte JSON message
// sent and its echo received, with window messages in flight (window 1 is
// ping-pong, where latency dominates; 64 is pipelined, where per-message
// CPU dominates). Compare the two wires with
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench EchoWire ./ws/resume; done > echo.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /wire echo.txt
//
// (six separate runs interleave the two wires, which matters on a busy
// machine more than -count 6, which runs each sub-benchmark six times in a
// row).
func BenchmarkEchoWire(b *testing.B) {
	url := startDualB(b)
	payload := msg{Pad: pad[:48]} // {"n":…,"pad":"xx…"} is 64 bytes for n < 10
	if n := len(mustMarshal(b, msg{N: 1, Pad: payload.Pad})); n != 64 {
		b.Fatalf("payload is %d bytes, want 64", n)
	}
	for _, window := range []int{1, 64} {
		b.Run(fmt.Sprintf("window=%d/wire=default", window), func(b *testing.B) {
			ctx := context.Background()
			c, err := ws.Dial(ctx, url, ws.DialConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if c.Subprotocol() != "" {
				b.Fatalf("default client got subprotocol %q", c.Subprotocol())
			}
			echoLoop(b, window, payload,
				func(v msg) error { return c.Send(ctx, v) },
				func(v *msg) error { return c.Receive(ctx, v) })
		})
		b.Run(fmt.Sprintf("window=%d/wire=duplex.v1", window), func(b *testing.B) {
			ctx := context.Background()
			s, err := resume.Dial(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if !s.Resumable() {
				b.Fatal("duplex.v1 client did not negotiate the subprotocol")
			}
			echoLoop(b, window, payload,
				func(v msg) error { return s.Send(ctx, v) },
				func(v *msg) error { return s.Receive(ctx, v) })
		})
	}
}

// echoLoop sends one message per iteration, first waiting for the oldest
// echo when window messages are in flight, and checks that echoes come
// back in order.
func echoLoop(b *testing.B, window int, payload msg, send func(msg) error, recv func(*msg) error) {
	b.ReportAllocs()
	b.SetBytes(64)
	sent, got := 0, 0
	receive := func() {
		var m msg
		if err := recv(&m); err != nil {
			b.Fatalf("receive echo %d: %v", got, err)
		}
		if m.N != got%10 {
			b.Fatalf("echo %d carries n=%d, want %d", got, m.N, got%10)
		}
		got++
	}
	for b.Loop() {
		if sent-got == window {
			receive()
		}
		payload.N = sent % 10
		if err := send(payload); err != nil {
			b.Fatalf("send %d: %v", sent, err)
		}
		sent++
	}
	for got < sent {
		receive()
	}
}

// startDualB serves an echo endpoint that speaks duplex.v1 to clients
// that offer it and the default wire to the others.
func startDualB(b *testing.B) string {
	wsrv := ws.NewServer(ws.Config{Subprotocols: []string{resume.Subprotocol}, Logger: slog.New(slog.DiscardHandler)})
	mgr := resume.NewManager()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = mgr.Close(ctx)
	})
	return serveB(b, wsrv, func(ctx context.Context, c *ws.Conn) error {
		if err := c.Upgrade(); err != nil {
			return err
		}
		if c.Subprotocol() != resume.Subprotocol {
			for {
				var v msg
				if err := c.Receive(ctx, &v); err != nil {
					return nil
				}
				if err := c.Send(ctx, v); err != nil {
					return err
				}
			}
		}
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

func mustMarshal(b *testing.B, v any) []byte {
	b.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
