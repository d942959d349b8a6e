package raw

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// NewInlineHandler returns the benchmark endpoints on gorilla/websocket
// written the shortest way: every frame is written by the goroutine that
// has it (the handler, or the publisher for a room), under a per-connection
// mutex, with no writer goroutine and no queue. It is the baseline of issue
// 20's ratios ("a raw gorilla server that writes inline").
func NewInlineHandler(logger *slog.Logger) http.Handler {
	s := &inlineServer{logger: logger, rooms: make(map[string]map[*inlineConn]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /listen", s.listen)
	mux.HandleFunc("GET /subscribe", s.subscribe)
	mux.HandleFunc("GET /echo", s.echo)
	mux.HandleFunc("GET /rooms/{room}", s.join)
	mux.HandleFunc("POST /rooms/{room}", s.publish)
	return mux
}

type inlineServer struct {
	logger *slog.Logger
	up     websocket.Upgrader

	mu    sync.RWMutex
	rooms map[string]map[*inlineConn]struct{}
}

// inlineConn serialises the writes of one connection.
type inlineConn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (c *inlineConn) write(frame []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// finish sends a close frame with code and drops the connection.
func (c *inlineConn) finish(code int) {
	c.mu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
	c.mu.Unlock()
	c.ws.Close()
}

func (s *inlineServer) upgrade(w http.ResponseWriter, r *http.Request) (*inlineConn, error) {
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return nil, fmt.Errorf("upgrade %s: %w", r.URL.Path, err)
	}
	return &inlineConn{ws: ws}, nil
}

func (s *inlineServer) listen(w http.ResponseWriter, r *http.Request) {
	c, err := s.upgrade(w, r)
	if err != nil {
		s.logger.Debug("listen", "err", err)
		return
	}
	count := 0
	for {
		m, err := readMessage(c.ws)
		if err != nil {
			s.logger.Debug("listen", "err", err)
			c.finish(websocket.CloseInvalidFramePayloadData)
			return
		}
		if m == nil {
			break
		}
		count++
	}
	c.write(strconv.AppendInt(nil, int64(count), 10))
	c.finish(websocket.CloseNormalClosure)
}

func (s *inlineServer) echo(w http.ResponseWriter, r *http.Request) {
	c, err := s.upgrade(w, r)
	if err != nil {
		s.logger.Debug("echo", "err", err)
		return
	}
	for {
		m, err := readMessage(c.ws)
		if err != nil {
			s.logger.Debug("echo", "err", err)
			c.finish(websocket.CloseInvalidFramePayloadData)
			return
		}
		if m == nil {
			c.finish(websocket.CloseNormalClosure)
			return
		}
		frame, err := json.Marshal(m)
		if err != nil {
			c.finish(websocket.CloseInternalServerErr)
			return
		}
		if err := c.write(frame); err != nil {
			c.ws.Close()
			return
		}
	}
}

func (s *inlineServer) subscribe(w http.ResponseWriter, r *http.Request) {
	count := 1
	if v := r.URL.Query().Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.Error(w, "count must be a non-negative integer", http.StatusBadRequest)
			return
		}
		count = n
	}
	c, err := s.upgrade(w, r)
	if err != nil {
		s.logger.Debug("subscribe", "err", err)
		return
	}
	// The reader sees the peer leave (and answers its pings and close).
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := c.ws.NextReader(); err != nil {
				return
			}
		}
	}()
	defer func() { c.finish(websocket.CloseNormalClosure); <-gone }()
	for i := 0; i < count; i++ {
		frame, err := json.Marshal(event{
			Message:   "event " + strconv.Itoa(i),
			Action:    "message",
			Timestamp: time.Now().UTC().Format(time.RFC3339Nano),
		})
		if err != nil {
			return
		}
		if err := c.write(frame); err != nil {
			return
		}
	}
}

func (s *inlineServer) join(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	c, err := s.upgrade(w, r)
	if err != nil {
		s.logger.Debug("join", "err", err)
		return
	}
	frame, _ := json.Marshal(event{Message: room, Action: "join", Timestamp: time.Now().UTC().Format(time.RFC3339Nano)})
	// Member and "join" event are one step for publishers (they take the
	// room's lock to read the members): no message comes before the event.
	s.mu.Lock()
	members := s.rooms[room]
	if members == nil {
		members = make(map[*inlineConn]struct{})
		s.rooms[room] = members
	}
	members[c] = struct{}{}
	err = c.write(frame)
	s.mu.Unlock()
	for err == nil {
		_, _, err = c.ws.NextReader()
	}
	s.mu.Lock()
	delete(members, c)
	if len(members) == 0 {
		delete(s.rooms, room)
	}
	s.mu.Unlock()
	c.finish(websocket.CloseNormalClosure)
}

// publish writes the message to every member, one after the other, in the
// request's goroutine (encoded once).
func (s *inlineServer) publish(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	var body message
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Message == nil {
		http.Error(w, `body must be {"message": string}`, http.StatusBadRequest)
		return
	}
	frame, err := json.Marshal(event{Message: *body.Message, Action: "message", Timestamp: time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	n := 0
	s.mu.RLock()
	members := make([]*inlineConn, 0, len(s.rooms[room]))
	for c := range s.rooms[room] {
		members = append(members, c)
	}
	s.mu.RUnlock()
	for _, c := range members {
		if err := c.write(frame); err != nil {
			c.ws.Close() // its join handler sees the read fail and leaves
			continue
		}
		n++
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "%d\n", n)
}
