package goa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	goahttp "goa.design/goa/v3/http"

	bench "duplex.dev/bench/goa/gen/bench"
	benchsrv "duplex.dev/bench/goa/gen/http/bench/server"
)

// NewHandler returns the benchmark endpoints served by Goa's generated code.
// Request and connection errors are logged to logger at debug level.
func NewHandler(logger *slog.Logger) http.Handler {
	svc := &service{rooms: make(map[string]map[*member]struct{})}
	mux := goahttp.NewMuxer()
	errhandler := func(ctx context.Context, w http.ResponseWriter, err error) {
		logger.Debug("goa", "err", err)
	}
	// join and subscribe only write: a reader per connection answers the
	// peer's control frames and cancels the method's context when it leaves
	// (Goa's ConnConfigureFunc hook is meant for this).
	watch := func(conn *websocket.Conn, cancel context.CancelFunc) *websocket.Conn {
		go func() {
			defer cancel()
			for {
				if _, _, err := conn.NextReader(); err != nil {
					return
				}
			}
		}()
		return conn
	}
	configurer := &benchsrv.ConnConfigurer{SubscribeFn: watch, JoinFn: watch}
	srv := benchsrv.New(bench.NewEndpoints(svc), mux, goahttp.RequestDecoder, goahttp.ResponseEncoder,
		errhandler, nil, &websocket.Upgrader{}, configurer)
	benchsrv.Mount(mux, srv)
	return mux
}

// service implements bench.Service.
type service struct {
	mu    sync.Mutex
	rooms map[string]map[*member]struct{}
}

// member is one joined stream; mu serialises its writes (Goa streams are not
// safe for concurrent Send).
type member struct {
	mu     sync.Mutex
	stream bench.JoinServerStream
	cancel context.CancelFunc
}

func timestamp() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Listener counts the messages of the stream and returns the count.
func (s *service) Listener(ctx context.Context, stream bench.ListenerServerStream) error {
	count := 0
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(count)
		}
		if err != nil {
			return fmt.Errorf("listener: %w", err)
		}
		count++
	}
}

// Subscribe sends p.Count events, then closes the stream.
func (s *service) Subscribe(ctx context.Context, p *bench.SubscribePayload, stream bench.SubscribeServerStream) error {
	defer stream.Close()
	for i := 0; i < p.Count; i++ {
		if ctx.Err() != nil {
			return nil
		}
		ev := &bench.Event{Message: "event " + strconv.Itoa(i), Action: "message", Timestamp: timestamp()}
		if err := stream.Send(ev); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	return nil
}

// Echo sends every message back until the client ends its stream.
func (s *service) Echo(ctx context.Context, stream bench.EchoServerStream) error {
	defer stream.Close()
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("echo: %w", err)
		}
		if err := stream.Send(&bench.EchoResult{Message: m.Message}); err != nil {
			return fmt.Errorf("echo: %w", err)
		}
	}
}

// Relay sends every activity back until the client ends its stream: the
// message of a "message" activity in upper case (see shout), the others
// unchanged.
func (s *service) Relay(ctx context.Context, stream bench.RelayServerStream) error {
	defer stream.Close()
	for {
		a, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		if err := stream.Send(shout(a)); err != nil {
			return fmt.Errorf("relay: %w", err)
		}
	}
}

// PostActivity returns the activity it is given, as Relay does.
func (s *service) PostActivity(ctx context.Context, p *bench.RoomActivity) (*bench.RoomActivity, error) {
	return shout(p), nil
}

// shout returns a with the text of a "message" activity in upper case; it
// switches on the union's kind as a Goa service does.
func shout(a *bench.RoomActivity) *bench.RoomActivity {
	switch a.Activity.Kind() {
	case bench.ActivityKindMessage:
		m, _ := a.Activity.AsMessage()
		return &bench.RoomActivity{Room: a.Room, Activity: bench.NewActivityMessage(&bench.Said{Text: strings.ToUpper(m.Text)})}
	default:
		return a
	}
}

// Join joins the room, confirms the membership with a "join" event, then
// stays in the room until the client leaves.
func (s *service) Join(ctx context.Context, p *bench.JoinPayload, stream bench.JoinServerStream) error {
	defer stream.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := &member{stream: stream, cancel: cancel}
	// Member before the "join" event, and the event before any message: a
	// publish that sees the new member waits on m.mu until the event is sent.
	m.mu.Lock()
	s.mu.Lock()
	members := s.rooms[p.Room]
	if members == nil {
		members = make(map[*member]struct{})
		s.rooms[p.Room] = members
	}
	members[m] = struct{}{}
	s.mu.Unlock()
	err := stream.Send(&bench.Event{Message: p.Room, Action: "join", Timestamp: timestamp()})
	m.mu.Unlock()
	if err != nil {
		cancel()
		err = fmt.Errorf("join: %w", err)
	}
	<-ctx.Done()
	s.mu.Lock()
	delete(members, m)
	if len(members) == 0 {
		delete(s.rooms, p.Room)
	}
	s.mu.Unlock()
	m.mu.Lock() // wait for a publish writing to this stream before closing it
	defer m.mu.Unlock()
	return err
}

// Publish sends the message to every member of the room, one after the other.
func (s *service) Publish(ctx context.Context, p *bench.PublishPayload) (int, error) {
	ev := &bench.Event{Message: p.Message, Action: "message", Timestamp: timestamp()}
	s.mu.Lock()
	members := make([]*member, 0, len(s.rooms[p.Room]))
	for m := range s.rooms[p.Room] {
		members = append(members, m)
	}
	s.mu.Unlock()
	n := 0
	for _, m := range members {
		m.mu.Lock()
		err := m.stream.Send(ev)
		m.mu.Unlock()
		if err != nil {
			m.cancel()
			continue
		}
		n++
	}
	return n, nil
}

// Session sets the session cookie: the session id is the user name
// reversed, so whoami can check it.
func (s *service) Session(ctx context.Context, p *bench.SessionPayload) (*bench.SessionResult, error) {
	return &bench.SessionResult{Session: reverse(p.User), User: p.User}, nil
}

// Whoami reads the session and theme cookies.
func (s *service) Whoami(ctx context.Context, p *bench.WhoamiPayload) (string, error) {
	theme := "-"
	if p.Theme != nil {
		theme = *p.Theme
	}
	return fmt.Sprintf("%s theme %s", reverse(p.Session), theme), nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
