package chatd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"duplex.dev/examples/chat/gen/chat"
	chatsvr "duplex.dev/examples/chat/gen/http/chat/server"
	"duplex.dev/examples/chat/service"
	"duplex.dev/examples/chat/web"
	"duplex.dev/hub"
	"duplex.dev/hub/natsbroker"
	dmux "duplex.dev/mux"
	"duplex.dev/ws"
)

// Config configures a chat server. The zero value works: demo users, a
// random JWT secret and default limits.
type Config struct {
	// Addr is the address Run listens on (default 127.0.0.1:8080).
	Addr string
	// JWTSecret signs login tokens; empty means a random secret, so
	// tokens stop working when the process restarts. cmd/chatd reads it
	// from CHATD_JWT_SECRET or -jwt-secret.
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
	// WS configures the WebSocket server: the fields it sets win over
	// chatd's (its logger, metrics and quotas) and the defaults.
	WS ws.Config
	// ShutdownTimeout bounds the graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
	// Quotas bound what one user can take; nil means DefaultQuotas, and
	// &Quotas{} no limit at all. WS and HubOptions apply over
	// them.
	Quotas *Quotas

	// NATSURL puts the rooms on the NATS server or cluster at this URL
	// (several URLs separated by commas), which must have JetStream
	// enabled, so that every chatd given the same URL shares them: one
	// order of messages per room, presence across nodes, history and
	// resumption from any node. Empty (and no DataDir or Broker): rooms are
	// in memory, in this process only.
	NATSURL string
	// DataDir runs a single-node NATS server with JetStream inside chatd,
	// storing the rooms in files under this directory, so their history and
	// sequences survive a restart on the same directory. It listens on a
	// random port of 127.0.0.1 only. Not together with NATSURL or Broker.
	DataDir string
	// NodeID names this node in presence across nodes (default: random).
	// Used with NATSURL or DataDir.
	NodeID string
	// PresenceTimeout is how long the members of a node that stopped
	// answering stay listed on the other nodes (default 10s; the first node
	// that creates the presence bucket fixes it for all). Used with NATSURL
	// or DataDir.
	PresenceTimeout time.Duration
	// BrokerOptions are added to the natsbroker options used with NATSURL
	// or DataDir (room limits, replicas …).
	BrokerOptions []natsbroker.Option
	// Broker is a broker the caller made and still owns (for example a
	// natsbroker.Broker on its own NATS connection): chatd uses it and
	// does not close it; close it after Serve returns. Not together with
	// NATSURL or DataDir.
	Broker hub.Broker
}

// brokerOptions returns the natsbroker options cfg asks for; the broker
// logs its connection's state changes to log.
func (cfg *Config) brokerOptions(log *slog.Logger) []natsbroker.Option {
	opts := []natsbroker.Option{natsbroker.WithLogger(log)}
	if cfg.NodeID != "" {
		opts = append(opts, natsbroker.WithNodeID(cfg.NodeID))
	}
	if cfg.PresenceTimeout > 0 {
		opts = append(opts, natsbroker.WithPresenceTimeout(cfg.PresenceTimeout))
	}
	return append(opts, cfg.BrokerOptions...)
}

// backend is the broker a Server runs on and what it took to start it.
type backend struct {
	broker hub.Broker // nil: the hub's in-memory default
	mode   string     // said at start-up
	// closers release what New started, in order: broker, connection,
	// embedded server.
	closers []func() error
}

func (b *backend) close() error {
	var errs []error
	for _, c := range b.closers {
		errs = append(errs, c())
	}
	b.closers = nil
	return errors.Join(errs...)
}

// openBackend starts the broker cfg asks for.
func openBackend(cfg *Config, log *slog.Logger) (*backend, error) {
	set := 0
	for _, on := range []bool{cfg.NATSURL != "", cfg.DataDir != "", cfg.Broker != nil} {
		if on {
			set++
		}
	}
	if set > 1 {
		return nil, errors.New("use only one of NATSURL (-nats), DataDir (-data) and Broker")
	}
	be := &backend{}
	switch {
	case cfg.Broker != nil:
		be.broker = cfg.Broker
		be.mode = fmt.Sprintf("broker given by the caller (%T)", cfg.Broker)
		return be, nil
	case cfg.NATSURL == "" && cfg.DataDir == "":
		be.mode = "in-memory broker: rooms live in this process only; history and sequences do not survive a restart"
		return be, nil
	}
	url := cfg.NATSURL
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		srv, u, err := natsbroker.RunEmbedded(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		url = u
		be.closers = append(be.closers, func() error {
			srv.Shutdown()
			srv.WaitForShutdown()
			return nil
		})
		be.mode = "embedded JetStream with file storage in " + cfg.DataDir + ": room history and sequences survive a restart on this directory"
	} else {
		be.mode = "NATS JetStream at " + redactURL(url) + ": rooms are shared with every chatd on the same NATS"
	}
	nc, err := nats.Connect(url, nats.Name("chatd"), nats.MaxReconnects(-1))
	if err != nil {
		_ = be.close()
		return nil, fmt.Errorf("connect to NATS at %s: %w", redactURL(url), err)
	}
	// Prepended: the connection closes before the embedded server stops.
	be.closers = append([]func() error{func() error { nc.Close(); return nil }}, be.closers...)
	b, err := natsbroker.New(nc, cfg.brokerOptions(log)...)
	if err != nil {
		_ = be.close()
		return nil, fmt.Errorf("NATS broker at %s: %w", redactURL(url), err)
	}
	be.closers = append([]func() error{b.Close}, be.closers...)
	be.broker = b
	return be, nil
}

// redactURL hides the passwords and tokens of NATS URLs for logs.
func redactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := neturl.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); !ok {
			u.User = neturl.User("xxxxx") // a token
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}

// Server is a chat server: an http.Handler and what its shutdown needs.
type Server struct {
	mux     *http.ServeMux
	ws      *ws.Server
	api     *chatsvr.Server
	svc     *service.Service
	log     *slog.Logger
	timeout time.Duration
	backend *backend
	closed  sync.Once
	err     error // of the first Shutdown
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
		log.Warn("no JWT secret given (CHATD_JWT_SECRET or -jwt-secret): using a random one; tokens stop working when chatd restarts")
	}
	quotas := DefaultQuotas()
	if cfg.Quotas != nil {
		quotas = *cfg.Quotas
	}
	quotaWS, quotaUnary, quotaHub := quotas.options()
	be, err := openBackend(&cfg, log)
	if err != nil {
		return nil, fmt.Errorf("chatd: %w", err)
	}
	// A broker that can tell (natsbroker.Broker) decides readiness; the
	// in-memory one is always ready.
	ready := func() error { return nil }
	if r, ok := be.broker.(interface{ Ready() error }); ok {
		ready = r.Ready
	}
	metrics, metricsHandler := newMetrics(ready)
	wsCfg := cfg.WS
	if wsCfg.Logger == nil {
		wsCfg.Logger = log
	}
	if wsCfg.Metrics == nil {
		wsCfg.Metrics = metrics
	}
	if wsCfg.MessageRate == 0 {
		wsCfg.MessageRate, wsCfg.MessageBurst = quotaWS.MessageRate, quotaWS.MessageBurst
	}
	if wsCfg.SubjectMessageRate == 0 {
		wsCfg.SubjectMessageRate, wsCfg.SubjectMessageBurst = quotaWS.SubjectMessageRate, quotaWS.SubjectMessageBurst
	}
	wsrv := ws.NewServer(wsCfg)
	hubOpts := append(service.HubOptions(), quotaHub...)
	if be.broker != nil {
		hubOpts = append(hubOpts, hub.WithBroker(be.broker))
	}
	h := hub.New(append(hubOpts, cfg.HubOptions...)...)
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
		_ = be.close()
		return nil, fmt.Errorf("chatd: %w", err)
	}
	api := chatsvr.New(chat.NewEndpoints(svc), wsrv, http.FS(web.FS()), quotaUnary)
	mux := http.NewServeMux()
	api.Mount(mux) // the methods, and the page at / (Files in the design)
	mux.Handle("GET /metrics", metricsHandler)
	// Many streams and calls on one WebSocket, for clients that ask (docs/protocol.md, section 4).
	mux.Handle("GET "+dmux.DefaultPath, dmux.NewServer(mux, wsrv))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "ok") // the process serves: liveness only
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintln(w, "ready")
	})
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Server{mux: mux, ws: wsrv, api: api, svc: svc, log: log, timeout: timeout, backend: be}, nil
}

// ServeHTTP serves the API, the page and the metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Shutdown closes every open stream with 1001, waits for their handlers
// (or ctx), then releases the rooms (removing this node's members from
// presence across nodes), closes the NATS broker and connection and stops
// the embedded NATS server, if New started them. Later calls return the
// first one's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closed.Do(func() {
		err := s.api.Shutdown(ctx)
		s.err = errors.Join(err, s.svc.Close(), s.svc.Hub().Close(), s.backend.close())
	})
	return s.err
}

// Mode says which broker the server runs on, as logged at start-up.
func (s *Server) Mode() string { return s.backend.mode }

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
	log.Info("rooms: " + s.Mode())
	if cfg.Users == nil {
		// Names only: a password, even the demo one, has no place in logs.
		log.Info("demo users (password: see chatd -h; set -users or CHATD_USERS for anything but a demo)", "users", strings.Join(names, ", "))
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
