package chatd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatsvr "duplex.dev/examples/chat/gen/http/chat/server"
	"duplex.dev/examples/chat/service"
	"duplex.dev/examples/chat/web"
	"duplex.dev/hub"
	"duplex.dev/ws"
)

// Config configures a chat server. The zero value works: demo users, a
// random JWT secret and default limits.
type Config struct {
	// Addr is the address Run listens on (default 127.0.0.1:8080).
	Addr string
	// JWTSecret signs login tokens; empty means a random secret, so
	// tokens stop working when the process restarts.
	JWTSecret []byte
	// Users maps user names to passwords; nil means service.DemoUsers.
	Users map[string]string
	// Logger receives start-up, connection and shutdown events; nil means
	// slog.Default().
	Logger *slog.Logger
	// AnalyticsInterval is the time between analytics snapshots (default 2s).
	AnalyticsInterval time.Duration
	// CatchUp is how many recent messages join sends first (default 50).
	CatchUp int
	// HubOptions are added to service.HubOptions, for example a NATS broker.
	HubOptions []hub.Option
	// WSOptions are added to the WebSocket server's options.
	WSOptions []ws.Option
	// ShutdownTimeout bounds the graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
}

// Server is a chat server: an http.Handler and what its shutdown needs.
type Server struct {
	mux     *http.ServeMux
	ws      *ws.Server
	api     *chatsvr.Server
	svc     *service.Service
	log     *slog.Logger
	timeout time.Duration
}

// New builds a chat server from cfg without listening.
func New(cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	secret := cfg.JWTSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
		log.Warn("no -jwt-secret given: using a random one; tokens stop working when chatd restarts")
	}
	metricsOpt, metricsHandler := newMetrics()
	wsOpts := append([]ws.Option{ws.WithLogger(log)}, metricsOpt...)
	wsrv := ws.NewServer(append(wsOpts, cfg.WSOptions...)...)
	h := hub.New(append(service.HubOptions(), cfg.HubOptions...)...)
	svc, err := service.New(service.Config{
		JWTSecret:         secret,
		Users:             cfg.Users,
		Hub:               h,
		AnalyticsInterval: cfg.AnalyticsInterval,
		CatchUp:           cfg.CatchUp,
		Connections:       wsrv.Len,
		Logger:            log,
	})
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("chatd: %w", err)
	}
	api := chatsvr.New(chat.NewEndpoints(svc), wsrv)
	mux := http.NewServeMux()
	api.Mount(mux)
	mux.Handle("GET /metrics", metricsHandler)
	mux.Handle("GET /", http.FileServerFS(web.FS()))
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Server{mux: mux, ws: wsrv, api: api, svc: svc, log: log, timeout: timeout}, nil
}

// ServeHTTP serves the API, the page and the metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Shutdown closes every open stream with 1001, waits for their handlers
// (or ctx), then releases the rooms.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.api.Shutdown(ctx)
	return errors.Join(err, s.svc.Close(), s.svc.Hub().Close())
}

// Service returns the chat service the server runs.
func (s *Server) Service() *service.Service { return s.svc }

// Run listens on cfg.Addr and serves until ctx is done, then shuts down
// gracefully.
func Run(ctx context.Context, cfg Config) error {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("chatd: %w", err)
	}
	return Serve(ctx, ln, cfg)
}

// Serve serves a chat server on ln until ctx is done, then closes the
// streams with 1001, stops the HTTP server and returns. It closes ln.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	log := s.log
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	users := cfg.Users
	if users == nil {
		users = service.DemoUsers()
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	log.Info("chatd listening", "url", "http://"+ln.Addr().String()+"/")
	log.Info("everything is in memory: history and sequences do not survive a restart")
	if cfg.Users == nil {
		log.Info("demo users", "users", strings.Join(names, ", "), "password", service.DemoPassword)
	}

	evictCtx, stopEvict := context.WithCancel(ctx)
	evicted := make(chan struct{})
	go func() { defer close(evicted); s.svc.Hub().Run(evictCtx) }()
	defer func() { stopEvict(); <-evicted }()

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = s.Shutdown(context.Background())
		return fmt.Errorf("chatd: serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("chatd shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	// Streams first: hijacked connections are not http.Server's to close.
	werr := s.Shutdown(sctx)
	herr := hs.Shutdown(sctx)
	<-errc
	if err := errors.Join(werr, herr); err != nil {
		return fmt.Errorf("chatd: shutdown: %w", err)
	}
	return nil
}
