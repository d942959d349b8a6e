package raw

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// sendQueue is the per-connection queue size, the same default as Duplex's runtime.
const sendQueue = 256

// writeTimeout bounds every frame write so that a stuck peer releases its writer.
const writeTimeout = 10 * time.Second

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

// NewHandler returns the benchmark endpoints on gorilla/websocket.
// Connections that fail are logged to logger at debug level.
func NewHandler(logger *slog.Logger) http.Handler {
	s := &server{
		logger: logger,
		rooms:  make(map[string]map[*conn]struct{}),
		up:     websocket.Upgrader{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /listen", s.listen)
	mux.HandleFunc("GET /subscribe", s.subscribe)
	mux.HandleFunc("GET /echo", s.echo)
	mux.HandleFunc("GET /rooms/{room}", s.join)
	mux.HandleFunc("POST /rooms/{room}", s.publish)
	return mux
}

type server struct {
	logger *slog.Logger
	up     websocket.Upgrader

	mu    sync.RWMutex
	rooms map[string]map[*conn]struct{}
}

// conn is one WebSocket connection with its writer goroutine.
type conn struct {
	ws      *websocket.Conn
	out     chan []byte
	closing chan int      // close code requested by the handler; the writer drains, then closes
	dead    chan struct{} // closed when the writer has returned
	once    sync.Once
}

func (s *server) upgrade(w http.ResponseWriter, r *http.Request) (*conn, error) {
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return nil, fmt.Errorf("upgrade %s: %w", r.URL.Path, err)
	}
	c := &conn{
		ws:      ws,
		out:     make(chan []byte, sendQueue),
		closing: make(chan int, 1),
		dead:    make(chan struct{}),
	}
	go c.writeLoop()
	return c, nil
}

func (c *conn) writeLoop() {
	defer close(c.dead)
	write := func(frame []byte) error {
		c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		return c.ws.WriteMessage(websocket.TextMessage, frame)
	}
	for {
		select {
		case frame := <-c.out:
			if err := write(frame); err != nil {
				return
			}
		case code := <-c.closing:
			for {
				select {
				case frame := <-c.out:
					if err := write(frame); err != nil {
						return
					}
					continue
				default:
				}
				break
			}
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
			return
		}
	}
}

// send queues frame, waiting for room in the queue; false when the writer is gone.
func (c *conn) send(frame []byte) bool {
	select {
	case c.out <- frame:
		return true
	case <-c.dead:
		return false
	}
}

// trySend queues frame without waiting; false when the queue is full (a slow
// consumer) or the writer is gone.
func (c *conn) trySend(frame []byte) bool {
	select {
	case c.out <- frame:
		return true
	default:
		return false
	}
}

// finish flushes queued frames, sends a close frame with code and releases the connection.
func (c *conn) finish(code int) {
	c.once.Do(func() {
		c.closing <- code
		<-c.dead
		c.ws.Close()
	})
}

// readMessage reads one {"message"} frame; io.EOF-like nil, nil on the client's JSON null.
func readMessage(ws *websocket.Conn) (*message, error) {
	_, data, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	var m *message
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	if m != nil && m.Message == nil {
		return nil, errors.New(`decode message: "message" is missing`)
	}
	return m, nil
}

func (s *server) listen(w http.ResponseWriter, r *http.Request) {
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
	c.send(strconv.AppendInt(nil, int64(count), 10))
	c.finish(websocket.CloseNormalClosure)
}

func (s *server) echo(w http.ResponseWriter, r *http.Request) {
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
		if !c.send(frame) {
			c.finish(websocket.CloseNormalClosure)
			return
		}
	}
}

func (s *server) subscribe(w http.ResponseWriter, r *http.Request) {
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
		select {
		case c.out <- frame:
		case <-c.dead:
			return
		case <-gone:
			return
		}
	}
}

func (s *server) join(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	c, err := s.upgrade(w, r)
	if err != nil {
		s.logger.Debug("join", "err", err)
		return
	}
	frame, _ := json.Marshal(event{Message: room, Action: "join", Timestamp: time.Now().UTC().Format(time.RFC3339Nano)})
	// Joining and queueing the "join" event are one step for publishers: a
	// client that sees the event is a member, and no message comes before it.
	s.mu.Lock()
	members := s.rooms[room]
	if members == nil {
		members = make(map[*conn]struct{})
		s.rooms[room] = members
	}
	members[c] = struct{}{}
	c.trySend(frame) // the queue is empty: this never blocks
	s.mu.Unlock()
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			break
		}
	}
	s.mu.Lock()
	delete(members, c)
	if len(members) == 0 {
		delete(s.rooms, room)
	}
	s.mu.Unlock()
	c.finish(websocket.CloseNormalClosure)
}

func (s *server) publish(w http.ResponseWriter, r *http.Request) {
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
	var slow []*conn
	n := 0
	s.mu.RLock()
	for c := range s.rooms[room] {
		if c.trySend(frame) {
			n++
		} else {
			slow = append(slow, c)
		}
	}
	s.mu.RUnlock()
	for _, c := range slow {
		c.ws.Close() // its join handler sees the read fail and unregisters it
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "%d\n", n)
}
