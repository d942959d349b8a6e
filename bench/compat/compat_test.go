package compat_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
	goahttp "goa.design/goa/v3/http"

	benchduplex "duplex.dev/bench/duplex"
	dbench "duplex.dev/bench/duplex/gen/bench"
	dclient "duplex.dev/bench/duplex/gen/http/bench/client"
	benchgoa "duplex.dev/bench/goa"
	gbench "duplex.dev/bench/goa/gen/bench"
	gclient "duplex.dev/bench/goa/gen/http/bench/client"
	"duplex.dev/ws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// event is an Event of either framework, for comparisons.
type event struct{ Message, Action, Timestamp string }

// driver calls every method of the bench design through one framework's
// generated client.
type driver interface {
	publish(ctx context.Context, room, msg string) (int, error)
	// listener sends msgs on the client stream and returns CloseAndRecv's result.
	listener(ctx context.Context, msgs []string) (int, error)
	// subscribe receives events until the stream ends (io.EOF).
	subscribe(ctx context.Context, count int) ([]event, error)
	// echo sends msgs while receiving their echoes and ends the stream.
	echo(ctx context.Context, msgs []string) ([]string, error)
	// join opens a room stream.
	join(ctx context.Context, room string) (roomStream, error)
}

// roomStream is an open join stream.
type roomStream interface {
	recv() (event, error)
	// leave ends the stream from the client side and waits for its end.
	leave() error
}

var servers = map[string]func(*slog.Logger) http.Handler{
	"goa":    benchgoa.NewHandler,
	"duplex": benchduplex.NewHandler,
}

var clients = map[string]func(t *testing.T, base string) driver{
	"goa":    newGoaDriver,
	"duplex": newDuplexDriver,
}

// TestClientsAgainstServers runs every method with every client against
// every server: goa→duplex and duplex→goa are the compatibility contract,
// goa→goa and duplex→duplex show the test's expectations hold at all.
func TestClientsAgainstServers(t *testing.T) {
	for _, srvName := range []string{"goa", "duplex"} {
		for _, cliName := range []string{"goa", "duplex"} {
			t.Run(cliName+" client/"+srvName+" server", func(t *testing.T) {
				logger := slog.New(slog.DiscardHandler)
				srv := httptest.NewServer(servers[srvName](logger))
				defer srv.Close()
				d := clients[cliName](t, srv.URL)
				t.Run("publish", func(t *testing.T) { testPublish(t, d) })
				t.Run("listener", func(t *testing.T) { testListener(t, d) })
				t.Run("subscribe", func(t *testing.T) { testSubscribe(t, d, srvName) })
				t.Run("echo", func(t *testing.T) { testEcho(t, d) })
				t.Run("join", func(t *testing.T) { testJoin(t, d) })
				t.Run("invalid payload", func(t *testing.T) { testInvalidPayload(t, d) })
			})
		}
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testPublish(t *testing.T, d driver) {
	n, err := d.publish(testContext(t), "empty-room", "hello")
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if n != 0 {
		t.Errorf("publish to a room nobody joined reached %d members, want 0", n)
	}
}

func testListener(t *testing.T, d driver) {
	for _, msgs := range [][]string{nil, {"a"}, {"a", "b", "c", "é ✓", `quote " and \ backslash`}} {
		n, err := d.listener(testContext(t), msgs)
		if err != nil {
			t.Fatalf("listener with %d messages: %v", len(msgs), err)
		}
		if n != len(msgs) {
			t.Errorf("listener: server counted %d messages, sent %d", n, len(msgs))
		}
	}
}

func testSubscribe(t *testing.T, d driver, srvName string) {
	counts := []int{0, 1, 5}
	if srvName == "goa" {
		// Goa's generated server upgrades the connection on the first Send:
		// a stream closed before any Send answers the upgrade request with
		// an empty 200 OK, which every WebSocket client rejects. Duplex's
		// server upgrades and closes with 1000.
		counts = counts[1:]
	}
	for _, count := range counts {
		evs, err := d.subscribe(testContext(t), count)
		if err != nil {
			t.Fatalf("subscribe count=%d: %v", count, err)
		}
		if len(evs) != count {
			t.Fatalf("subscribe count=%d: got %d events before the end: %+v", count, len(evs), evs)
		}
		for i, ev := range evs {
			if want := "event " + strconv.Itoa(i); ev.Message != want || ev.Action != "message" {
				t.Errorf("event %d = %+v, want message %q action \"message\"", i, ev, want)
			}
			if _, err := time.Parse(time.RFC3339Nano, ev.Timestamp); err != nil {
				t.Errorf("event %d: timestamp: %v", i, err)
			}
		}
	}
}

// testInvalidPayload checks that a payload the design rejects (count has
// Minimum(0)) fails the call before any stream exists, with the status.
func testInvalidPayload(t *testing.T, d driver) {
	evs, err := d.subscribe(testContext(t), -1)
	if err == nil {
		t.Fatalf("subscribe with count -1 succeeded with %d events, want an error", len(evs))
	}
	t.Logf("subscribe with count -1: %v", err)
	if !strings.Contains(err.Error(), "400") && !strings.Contains(err.Error(), "count") {
		t.Errorf("subscribe with count -1: error %q names neither the status 400 nor the parameter", err)
	}
}

func testEcho(t *testing.T, d driver) {
	msgs := []string{"one", "two", "", "four ✓", `{"not":"json inside"}`}
	for i := range 20 {
		msgs = append(msgs, fmt.Sprintf("msg %d", i))
	}
	got, err := d.echo(testContext(t), msgs)
	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	if diff := cmp.Diff(msgs, got); diff != "" {
		t.Errorf("echoes differ from what was sent (-sent +echoed):\n%s", diff)
	}
}

func testJoin(t *testing.T, d driver) {
	ctx := testContext(t)
	room := "room-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var streams []roomStream
	for range 2 {
		s, err := d.join(ctx, room)
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		defer s.leave()
		ev, err := s.recv()
		if err != nil {
			t.Fatalf("join: first event: %v", err)
		}
		if ev.Action != "join" || ev.Message != room {
			t.Fatalf("join: first event = %+v, want action join, message %q", ev, room)
		}
		streams = append(streams, s)
	}
	for i, msg := range []string{"first", "second"} {
		n, err := d.publish(ctx, room, msg)
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if n != len(streams) {
			t.Errorf("publish %d reached %d members, want %d", i, n, len(streams))
		}
	}
	for j, s := range streams {
		for i, msg := range []string{"first", "second"} {
			ev, err := s.recv()
			if err != nil {
				t.Fatalf("member %d, message %d: %v", j, i, err)
			}
			if ev.Action != "message" || ev.Message != msg {
				t.Errorf("member %d, message %d = %+v, want action message, message %q", j, i, ev, msg)
			}
		}
	}
	for j, s := range streams {
		if err := s.leave(); err != nil {
			t.Errorf("member %d: leave: %v", j, err)
		}
	}
	// The server notices the members left when it reads their close
	// frames, which the client cannot await: poll, bounded.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := d.publish(ctx, room, "after leave")
		if err != nil {
			t.Fatalf("publish after leave: %v", err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publish after every member left still reaches %d members", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goaDriver uses the client Goa generates, built the way Goa's generated CLI
// builds it (goa/gen/http/cli/bench.ParseEndpoint): goahttp's encoder and
// decoder and a gorilla websocket.Dialer.
type goaDriver struct{ c *gbench.Client }

func newGoaDriver(t *testing.T, base string) driver {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c := gclient.NewClient(u.Scheme, u.Host, http.DefaultClient, goahttp.RequestEncoder, goahttp.ResponseDecoder,
		false, &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, nil)
	return &goaDriver{gbench.NewClient(c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Relay(), c.PostActivity(), c.Publish(), c.Session(), c.Whoami())}
}

func (d *goaDriver) publish(ctx context.Context, room, msg string) (int, error) {
	return d.c.Publish(ctx, &gbench.PublishPayload{Room: room, Message: msg})
}

func (d *goaDriver) listener(ctx context.Context, msgs []string) (int, error) {
	s, err := d.c.Listener(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if err := s.Send(&gbench.ListenerStreamingPayload{Message: m}); err != nil {
			return 0, fmt.Errorf("send: %w", err)
		}
	}
	return s.CloseAndRecv()
}

func (d *goaDriver) subscribe(ctx context.Context, count int) ([]event, error) {
	// Goa's client closes the connection when ctx ends (a goroutine waits
	// for it), so ctx must end when the test is done with the stream.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := d.c.Subscribe(ctx, &gbench.SubscribePayload{Count: count})
	if err != nil {
		return nil, err
	}
	var evs []event
	for {
		ev, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, fmt.Errorf("recv after %d events: %w", len(evs), err)
		}
		evs = append(evs, event{ev.Message, ev.Action, ev.Timestamp})
	}
}

func (d *goaDriver) echo(ctx context.Context, msgs []string) ([]string, error) {
	s, err := d.c.Echo(ctx)
	if err != nil {
		return nil, err
	}
	sent := make(chan error, 1)
	go func() {
		for _, m := range msgs {
			if err := s.Send(&gbench.EchoStreamingPayload{Message: m}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	var got []string
	for range msgs {
		r, err := s.Recv()
		if err != nil {
			<-sent
			s.Close()
			return got, fmt.Errorf("recv after %d echoes: %w", len(got), err)
		}
		got = append(got, r.Message)
	}
	if err := <-sent; err != nil {
		return got, fmt.Errorf("send: %w", err)
	}
	// Goa's Close sends the null frame and drops the connection.
	return got, s.Close()
}

func (d *goaDriver) join(ctx context.Context, room string) (roomStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	s, err := d.c.Join(ctx, &gbench.JoinPayload{Room: room})
	if err != nil {
		cancel()
		return nil, err
	}
	return &goaRoom{s: s, cancel: cancel}, nil
}

type goaRoom struct {
	s      gbench.JoinClientStream
	cancel context.CancelFunc
	left   bool
}

func (r *goaRoom) recv() (event, error) {
	ev, err := r.s.Recv()
	if err != nil {
		return event{}, err
	}
	return event{ev.Message, ev.Action, ev.Timestamp}, nil
}

// leave ends ctx, on which Goa's client sends a close frame 1000 and
// closes the connection without waiting for the server's close; reading
// until the connection ends makes sure the client's goroutine has run.
func (r *goaRoom) leave() error {
	if r.left {
		return nil
	}
	r.left = true
	r.cancel()
	for {
		ev, err := r.s.Recv()
		if err != nil {
			return nil
		}
		if ev.Action != "message" || ev.Message != "after leave" {
			return fmt.Errorf("after leaving: unexpected event %+v", ev)
		}
	}
}

// duplexDriver uses the client Duplex generates.
type duplexDriver struct{ c *dbench.Client }

func newDuplexDriver(t *testing.T, base string) driver {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c := dclient.NewClient(u.Scheme, u.Host, nil, ws.DialConfig{})
	return &duplexDriver{dbench.NewClient(c.Listener(), c.Subscribe(), c.Echo(), c.Join(), c.Relay(), c.PostActivity(), c.Publish(), c.Session(), c.Whoami())}
}

func (d *duplexDriver) publish(ctx context.Context, room, msg string) (int, error) {
	return d.c.Publish(ctx, &dbench.PublishPayload{Room: room, Message: msg})
}

func (d *duplexDriver) listener(ctx context.Context, msgs []string) (int, error) {
	s, err := d.c.Listener(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if err := s.SendWithContext(ctx, &dbench.ListenerStreamingPayload{Message: m}); err != nil {
			closeStream(s)
			return 0, fmt.Errorf("send: %w", err)
		}
	}
	return s.CloseAndRecvWithContext(ctx)
}

// closeStream releases a generated Duplex client stream (its concrete types
// have Close even where the interface, as Goa's, has none).
func closeStream(s any) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (d *duplexDriver) subscribe(ctx context.Context, count int) ([]event, error) {
	s, err := d.c.Subscribe(ctx, &dbench.SubscribePayload{Count: count})
	if err != nil {
		return nil, err
	}
	defer closeStream(s)
	var evs []event
	for {
		ev, err := s.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, fmt.Errorf("recv after %d events: %w", len(evs), err)
		}
		evs = append(evs, event{ev.Message, ev.Action, ev.Timestamp})
	}
}

func (d *duplexDriver) echo(ctx context.Context, msgs []string) ([]string, error) {
	s, err := d.c.Echo(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	cs, ok := s.(interface{ CloseSend(context.Context) error })
	if !ok {
		return nil, fmt.Errorf("the generated echo stream %T has no CloseSend", s)
	}
	sent := make(chan error, 1)
	go func() {
		for _, m := range msgs {
			if err := s.SendWithContext(ctx, &dbench.EchoStreamingPayload{Message: m}); err != nil {
				sent <- err
				return
			}
		}
		sent <- cs.CloseSend(ctx)
	}()
	var got []string
	for {
		r, err := s.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			<-sent
			return got, fmt.Errorf("recv after %d echoes: %w", len(got), err)
		}
		got = append(got, r.Message)
	}
	if err := <-sent; err != nil {
		return got, fmt.Errorf("send: %w", err)
	}
	return got, nil
}

func (d *duplexDriver) join(ctx context.Context, room string) (roomStream, error) {
	s, err := d.c.Join(ctx, &dbench.JoinPayload{Room: room})
	if err != nil {
		return nil, err
	}
	return &duplexRoom{ctx: ctx, s: s}, nil
}

type duplexRoom struct {
	ctx  context.Context
	s    dbench.JoinClientStream
	left bool
}

func (r *duplexRoom) recv() (event, error) {
	ev, err := r.s.RecvWithContext(r.ctx)
	if err != nil {
		return event{}, err
	}
	return event{ev.Message, ev.Action, ev.Timestamp}, nil
}

func (r *duplexRoom) leave() error {
	if r.left {
		return nil
	}
	r.left = true
	return closeStream(r.s)
}

// TestGoaClientCancelsSubscribe ends a long server→client stream from Goa's
// client in its middle (Goa's client sends close 1000 "client closing
// connection" when its context ends and drops the connection): the client
// sees the stream end, and the server's handler must stop (goleak, in
// TestMain, fails the package if a handler is left sending).
func TestGoaClientCancelsSubscribe(t *testing.T) {
	for _, srvName := range []string{"goa", "duplex"} {
		t.Run(srvName+" server", func(t *testing.T) {
			srv := httptest.NewServer(servers[srvName](slog.New(slog.DiscardHandler)))
			defer srv.Close()
			d := newGoaDriver(t, srv.URL).(*goaDriver)
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			s, err := d.c.Subscribe(ctx, &gbench.SubscribePayload{Count: 1_000_000})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if _, err := s.Recv(); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			cancel()
			for i := 0; ; i++ {
				if _, err := s.Recv(); err != nil {
					break
				}
				if i > 1_000_000 {
					t.Fatal("the stream did not end after the client cancelled it")
				}
			}
		})
	}
}
