package duplex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"duplex.dev/bench/design/static"
	"duplex.dev/bench/duplex/gen/bench"
	benchsrv "duplex.dev/bench/duplex/gen/http/bench/server"
	"duplex.dev/hub"
	"duplex.dev/ws"
)

// sendQueue is the per-connection send queue. Sends never block in the
// runtime (a full queue disconnects the consumer), so /subscribe, which
// sends as fast as it can, needs room; the queue grows only as frames wait,
// so an idle connection does not pay for it.
const sendQueue = 1 << 16

// NewHandler returns the benchmark endpoints served by the code Duplex
// generates; the runtime logs to logger.
func NewHandler(logger *slog.Logger) http.Handler {
	return newHandler(newService(), logger, ws.Config{})
}

// NewHandlerWith is NewHandler with a runtime configuration whose set
// fields win over the harness's own (for example HeartbeatInterval, to
// test with short heartbeats).
func NewHandlerWith(logger *slog.Logger, cfg ws.Config) http.Handler {
	return newHandler(newService(), logger, cfg)
}

func newHandler(svc *service, logger *slog.Logger, cfg ws.Config) http.Handler {
	cfg.Logger = logger
	if cfg.SendQueue == 0 {
		cfg.SendQueue = sendQueue
	}
	wsrv := ws.NewServer(cfg)
	srv := benchsrv.New(bench.NewEndpoints(svc), wsrv, http.FS(static.FS), http.FS(static.FS))
	mux := http.NewServeMux()
	srv.Mount(mux)
	return mux
}

// service implements bench.Service.
type service struct {
	hub *hub.Hub

	mu    sync.Mutex
	rooms map[string]*roomCount
}

// roomCount counts the frames queued for a room's members, so that publish
// can report how many members a message reached; publishes to one room are
// serialised by mu (the hub's memory broker serialises them anyway).
type roomCount struct {
	mu     sync.Mutex
	queued atomic.Int64
}

func newService() *service {
	return &service{
		// No presence events (Goa's implementation sends none) and no
		// history: the benchmark measures delivery only.
		hub:   hub.New(hub.WithHistoryLimit(0), hub.WithPresenceEvent(func(hub.PresenceEvent) any { return nil })),
		rooms: make(map[string]*roomCount),
	}
}

func (s *service) count(room string) *roomCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := s.rooms[room]
	if rc == nil {
		rc = &roomCount{}
		s.rooms[room] = rc
	}
	return rc
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

// rawConn is what a generated server stream offers when it exposes its
// WebSocket connection; the hub then hands it the frame it encoded once for
// the whole room.
type rawConn interface{ Conn() *ws.Conn }

// memberIDs numbers the members whose stream does not expose its connection.
var memberIDs atomic.Int64

// member is a room member. Until the "join" event is sent it holds the
// frames the hub hands it, so that the client sees the event first.
type member struct {
	id    string
	send  func([]byte) error
	count *roomCount

	mu      sync.Mutex
	live    bool
	pending [][]byte
}

// ID implements hub.Member.
func (m *member) ID() string { return m.id }

// SendRaw implements hub.Member: it queues frame for the client.
func (m *member) SendRaw(frame []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live {
		if err := m.send(frame); err != nil {
			return err
		}
	} else {
		m.pending = append(m.pending, frame)
	}
	m.count.queued.Add(1)
	return nil
}

// goLive sends first (the "join" event), then the frames held back, and
// lets later frames through.
func (m *member) goLive(first []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.send(first); err != nil {
		return err
	}
	for _, f := range m.pending {
		if err := m.send(f); err != nil {
			return err
		}
	}
	m.pending, m.live = nil, true
	return nil
}

// sender returns the member ID and raw-frame sender of stream: the
// connection's own when the generated stream exposes it; otherwise frames
// are decoded and sent through the typed stream (correct, but each member
// then encodes the message again).
func sender(stream bench.JoinServerStream) (string, func([]byte) error) {
	if rc, ok := stream.(rawConn); ok {
		c := rc.Conn()
		return c.ID(), c.SendRaw
	}
	id := "member-" + strconv.FormatInt(memberIDs.Add(1), 10)
	return id, func(frame []byte) error {
		var ev bench.Event
		if err := json.Unmarshal(frame, &ev); err != nil {
			return fmt.Errorf("decode hub frame: %w", err)
		}
		return stream.Send(&ev)
	}
}

// Join joins the room, confirms the membership with a "join" event, then
// stays in the room until the client leaves.
func (s *service) Join(ctx context.Context, p *bench.JoinPayload, stream bench.JoinServerStream) error {
	defer stream.Close()
	id, send := sender(stream)
	m := &member{id: id, send: send, count: s.count(p.Room)}
	leave, err := s.hub.Join(ctx, p.Room, m, "", hub.PresenceInfo{})
	if err != nil {
		return fmt.Errorf("join %q: %w", p.Room, err)
	}
	defer leave()
	joined, err := json.Marshal(&bench.Event{Message: p.Room, Action: "join", Timestamp: timestamp()})
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if err := m.goLive(joined); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	<-ctx.Done()
	return nil
}

// Publish sends the message to every member of the room: the hub encodes it
// once and queues the same frame for each member.
func (s *service) Publish(ctx context.Context, p *bench.PublishPayload) (int, error) {
	rc := s.count(p.Room)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	before := rc.queued.Load()
	_, err := s.hub.Publish(ctx, p.Room, func(_ int64, _ time.Time) (any, error) {
		return &bench.Event{Message: p.Message, Action: "message", Timestamp: timestamp()}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("publish to %q: %w", p.Room, err)
	}
	return int(rc.queued.Load() - before), nil
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
