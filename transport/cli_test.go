package transport_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/transport"
)

// echoFrames echoes every text frame until the connection ends, like a
// bidirectional method that waits for its client.
func echoFrames(c *websocket.Conn) {
	ctx := context.Background()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, b); err != nil {
			return
		}
	}
}

func TestConverseEndsAtABadLineNamingIt(t *testing.T) {
	url := streamPeer(t, echoFrames)
	for _, tc := range []struct{ name, input, want string }{
		{"not JSON", "hi\n", "stdin line 1: not valid JSON: invalid character 'h'"},
		{"a mistyped attribute", `{"author":"ann","text":"ok"}` + "\n\n" + `{"author":"ann","text":3}` + "\n", `stdin line 3: attribute "text": got a JSON number, want string`},
		{"a line failing validation", `{"text":"no author"}` + "\n", `stdin line 1: "author" is missing from body`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, c := dialStream[*note, *note](t, url)
			// stdin stays open, as a terminal's does.
			r, w := io.Pipe()
			defer w.Close()
			go func() { _, _ = io.WriteString(w, tc.input) }()
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() {
				done <- transport.Converse(ctx, r, &out, validateNote,
					c.SendWithContext,
					c.RecvWithContext,
					c.CloseSend)
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Converse: %v, want an error containing %q", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				_ = c.Close()
				<-done
				t.Fatal("Converse did not return within 5s of a bad line")
			}
		})
	}
}

func TestSendLinesReturnsWhenCtxEndsWhileStdinBlocks(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- transport.SendLines(ctx, r, nil, func(context.Context, int) error { return nil })
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("SendLines: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SendLines still waits for stdin after ctx ended")
	}
}

func TestMainCLIExitCodes(t *testing.T) {
	const usage = "usage: x-cli [-url URL] SERVICE METHOD\n"
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		args   []string
		runErr error
		code   int
		stderr string // a part of it; "" when nothing may be printed
	}{
		{"a call that succeeds", context.Background(), []string{"svc", "m"}, nil, 0, ""},
		{"-h", context.Background(), []string{"-h"}, nil, 0, "-timeout"},
		{"a method's -h", context.Background(), []string{"svc", "m", "-h"}, &transport.UsageError{Err: flag.ErrHelp, Text: "usage: x-cli svc m\n"}, 0, "usage: x-cli svc m"},
		{"an unknown flag", context.Background(), []string{"-nope"}, nil, 2, "flag provided but not defined: -nope"},
		{"a URL without a host", context.Background(), []string{"-url", "localhost", "svc", "m"}, nil, 2, "want scheme://host"},
		{"a negative timeout", context.Background(), []string{"-timeout", "-1", "svc", "m"}, nil, 2, "-timeout -1"},
		{"an unknown command", context.Background(), []string{"a", "b"}, transport.UsageErrorf(usage, "unknown command %q", "a b"), 2, `unknown command "a b"`},
		{"a failed call", context.Background(), []string{"svc", "m"}, errors.New("boom"), 1, "x-cli: boom"},
		{"a signal", canceled, []string{"svc", "m"}, context.Canceled, 130, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := transport.MainCLI(tc.ctx, "x-cli", usage, "http://localhost:8080", tc.args, &stderr,
				func(context.Context, string, string, *http.Client, []string) error { return tc.runErr })
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if tc.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}

func TestMainCLITimeoutAndVerbose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var stderr bytes.Buffer
	var timeout time.Duration
	code := transport.MainCLI(context.Background(), "x-cli", "usage\n", "http://localhost:8080",
		[]string{"-url", srv.URL, "-timeout", "7", "-v", "svc", "m"}, &stderr,
		func(ctx context.Context, scheme, host string, doer *http.Client, args []string) error {
			timeout = doer.Timeout
			res, err := doer.Get(scheme + "://" + host + "/rooms?room=general&token=s3cret")
			if err != nil {
				return err
			}
			return res.Body.Close()
		})
	if code != 0 || timeout != 7*time.Second {
		t.Fatalf("exit code %d, timeout %v; stderr:\n%s", code, timeout, stderr.String())
	}
	got := stderr.String()
	for _, want := range []string{"> GET http://", "room=general", "token=REDACTED", "< 200 OK"} {
		if !strings.Contains(got, want) {
			t.Errorf("-verbose printed %q, want %q in it", got, want)
		}
	}
	if strings.Contains(got, "s3cret") {
		t.Errorf("-verbose printed the token: %q", got)
	}
}

func TestConverseEndsCleanlyWhenTheServerEndsWhileTheClientSends(t *testing.T) {
	// The server answers the first message and ends the stream with 1000
	// while the client still has lines to send: the conversation is over,
	// not failed.
	url := streamPeer(t, func(c *websocket.Conn) {
		ctx := context.Background()
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, b); err != nil {
			return
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	line := `{"author":"ann","text":"hi"}` + "\n"
	for range 20 {
		ctx, c := dialStream[*note, *note](t, url)
		var out bytes.Buffer
		err := transport.Converse(ctx, strings.NewReader(strings.Repeat(line, 2000)), &out, validateNote,
			c.SendWithContext,
			c.RecvWithContext,
			c.CloseSend)
		if err != nil || out.String() != `{"author":"ann","text":"hi"}`+"\n" {
			t.Fatalf("Converse: %v, printed %q; want nil and the one answer", err, out.String())
		}
	}
}
