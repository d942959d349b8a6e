package duplexrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	duplex "duplex.dev"
	"duplex.dev/ws"
)

// streamQueue is the send queue of /subscribe. The runtime has no blocking
// Send yet (a full queue disconnects the consumer), so a producer that sends
// faster than the network drains would be cut off; a deep queue stands in for
// backpressure until the runtime offers it.
const streamQueue = 1 << 16

// message is the payload of listener and echo and the result of echo.
type message struct {
	Message *string `json:"message"`
}

// event is what subscribe and join stream.
type event struct {
	Message   string `json:"message"`
	Action    string `json:"action"`
	Timestamp string `json:"timestamp"`
}

var (
	listenEndpoint    = &ws.Endpoint{Service: "bench", Method: "listener"}
	subscribeEndpoint = &ws.Endpoint{Service: "bench", Method: "subscribe",
		Config: ws.Config{SendQueue: streamQueue, SlowConsumer: ws.Disconnect}}
	echoEndpoint = &ws.Endpoint{Service: "bench", Method: "echo"}
	joinEndpoint = &ws.Endpoint{Service: "bench", Method: "join"}
)

// NewHandler returns the benchmark endpoints on duplex.dev/ws; the runtime
// logs to logger.
func NewHandler(logger *slog.Logger) http.Handler {
	s := &service{
		srv:   ws.NewServer(ws.Config{Logger: logger}),
		rooms: make(map[string]map[*ws.Conn]struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /listen", s.handle(listenEndpoint, s.listen))
	mux.HandleFunc("GET /subscribe", s.subscribe)
	mux.HandleFunc("GET /echo", s.handle(echoEndpoint, s.echo))
	mux.HandleFunc("GET /rooms/{room}", s.join)
	mux.HandleFunc("POST /rooms/{room}", s.publish)
	return mux
}

type service struct {
	srv *ws.Server

	mu    sync.RWMutex
	rooms map[string]map[*ws.Conn]struct{}
}

func (s *service) handle(ep *ws.Endpoint, h func(ctx context.Context, c *ws.Conn) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.srv.Handle(w, r, ep, h); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}
}

func receive(ctx context.Context, c *ws.Conn) (*message, error) {
	var m *message
	if err := c.Receive(ctx, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, io.EOF
	}
	if m.Message == nil {
		return nil, &duplex.Error{Code: duplex.CodeInvalid, Err: errors.New(`"message" is missing`)}
	}
	return m, nil
}

func timestamp() string { return time.Now().UTC().Format(time.RFC3339Nano) }

func (s *service) listen(ctx context.Context, c *ws.Conn) error {
	count := 0
	for {
		_, err := receive(ctx, c)
		if errors.Is(err, io.EOF) {
			return c.Send(ctx, count)
		}
		if err != nil {
			return fmt.Errorf("listener: %w", err)
		}
		count++
	}
}

func (s *service) echo(ctx context.Context, c *ws.Conn) error {
	for {
		m, err := receive(ctx, c)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("echo: %w", err)
		}
		if err := c.Send(ctx, m); err != nil {
			return fmt.Errorf("echo: %w", err)
		}
	}
}

func (s *service) subscribe(w http.ResponseWriter, r *http.Request) {
	count := 1
	if v := r.URL.Query().Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.Error(w, "count must be a non-negative integer", http.StatusBadRequest)
			return
		}
		count = n
	}
	s.handle(subscribeEndpoint, func(ctx context.Context, c *ws.Conn) error {
		for i := range count {
			ev := event{Message: "event " + strconv.Itoa(i), Action: "message", Timestamp: timestamp()}
			if err := c.Send(ctx, ev); err != nil {
				return fmt.Errorf("subscribe: %w", err)
			}
		}
		return nil
	})(w, r)
}

func (s *service) join(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	s.handle(joinEndpoint, func(ctx context.Context, c *ws.Conn) error {
		if err := c.Upgrade(); err != nil {
			return fmt.Errorf("join: %w", err)
		}
		frame, err := json.Marshal(event{Message: room, Action: "join", Timestamp: timestamp()})
		if err != nil {
			return fmt.Errorf("join: %w", err)
		}
		// Joining and queueing the "join" event are one step for publishers:
		// a client that sees the event is a member, and no message comes before it.
		s.mu.Lock()
		members := s.rooms[room]
		if members == nil {
			members = make(map[*ws.Conn]struct{})
			s.rooms[room] = members
		}
		members[c] = struct{}{}
		err = c.SendRaw(frame)
		s.mu.Unlock()
		if err == nil {
			<-ctx.Done()
		}
		s.mu.Lock()
		delete(members, c)
		if len(members) == 0 {
			delete(s.rooms, room)
		}
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("join: %w", err)
		}
		return nil
	})(w, r)
}

// publish encodes the event once and queues the same frame for every member.
func (s *service) publish(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	var body message
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Message == nil {
		http.Error(w, `body must be {"message": string}`, http.StatusBadRequest)
		return
	}
	frame, err := json.Marshal(event{Message: *body.Message, Action: "message", Timestamp: timestamp()})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	n := 0
	s.mu.RLock()
	for c := range s.rooms[room] {
		if c.SendRaw(frame) == nil {
			n++
		}
	}
	s.mu.RUnlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "%d\n", n)
}
