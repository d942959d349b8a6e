package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// BenchmarkEchoWindow1 measures one 64-byte {"message"} echo at window 1
// (send, wait for the answer) on /echo of each server, in this process:
// the client writes a prepared masked frame and reads the answer into a
// fixed buffer, so it allocates nothing and allocs/op is the server's
// (load-independent, unlike ns/op on a shared machine). Compare with
//
//	go test -run '^$' -bench EchoWindow1 -benchmem ./server
func BenchmarkEchoWindow1(b *testing.B) {
	for _, kind := range []string{"raw-inline", "goa", "duplex"} {
		b.Run("server="+kind, func(b *testing.B) {
			addr := serveB(b, kind)
			c, br := rawDial(b, addr, "/echo")
			defer c.Close()
			frame := maskedText(`{"message":"` + strings.Repeat("x", 50) + `"}`)
			answer := make([]byte, 128)
			b.SetBytes(64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(frame); err != nil {
					b.Fatal(err)
				}
				if err := readText(br, answer); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// A JSON null ends the stream; every server answers with a close.
			if _, err := c.Write(maskedText("null")); err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, br)
		})
	}
}

// serveB serves kind on a loopback port until the benchmark ends.
func serveB(b *testing.B, kind string) string {
	b.Helper()
	h, err := Handler(kind, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			b.Error(err)
		}
	})
	return ln.Addr().String()
}

// rawDial opens a WebSocket connection to path with a hand-written
// handshake and returns the socket and a reader positioned after the
// server's 101 response.
func rawDial(b *testing.B, addr, path string) (net.Conn, *bufio.Reader) {
	b.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		b.Fatalf("handshake: %q, %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatalf("handshake: %v", err)
		}
		if line == "\r\n" {
			return c, br
		}
	}
}

// maskedText returns a client text frame carrying payload (under 126
// bytes) with a zero mask key, which leaves the payload as it is.
func maskedText(payload string) []byte {
	return append([]byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
}

// readText reads one unfragmented, unmasked text frame of under 126 bytes
// into buf.
func readText(br *bufio.Reader, buf []byte) error {
	if _, err := io.ReadFull(br, buf[:2]); err != nil {
		return err
	}
	if buf[0] != 0x81 || buf[1] >= 126 {
		return fmt.Errorf("unexpected frame header % x", buf[:2])
	}
	_, err := io.ReadFull(br, buf[:buf[1]])
	return err
}
