// Command chatd runs the chat example: the chat service over HTTP and
// WebSocket, its web page at / and Prometheus metrics at /metrics.
//
//	go run ./examples/chat/cmd/chatd            # http://127.0.0.1:8080/
//	CHATD_JWT_SECRET="$SECRET" go run ./examples/chat/cmd/chatd -addr :9000 -debug
//	go run ./examples/chat/cmd/chatd -data ./chatd-data       # history survives restarts
//	go run ./examples/chat/cmd/chatd -nats nats://n1:4222,nats://n2:4222 -node web-1
//
// Without -nats or -data, rooms are kept in memory: history does not
// survive a restart. -data DIR runs an embedded single-node NATS JetStream
// server with file storage in DIR inside chatd, so rooms' history and
// sequences survive a restart on the same directory. -nats URL joins an
// existing NATS cluster (JetStream enabled) that every chatd node behind a
// load balancer is given: the nodes share rooms, message order, history and
// presence. Give every node the same JWT secret so tokens work on all of
// them. See docs/scaling.md.
//
// Secrets given as flags are visible to every user of the machine (ps, /proc):
// chatd also reads the JWT secret from CHATD_JWT_SECRET and the accounts from
// CHATD_USERS. A flag, when given, wins over its variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"duplex.dev/examples/chat/chatd"
)

// Environment variables read for the secrets, so that they need not appear
// on the command line. A flag given explicitly wins over its variable.
const (
	envJWTSecret = "CHATD_JWT_SECRET"
	envUsers     = "CHATD_USERS"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatd:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := chatd.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("chatd stopped", "err", err)
		os.Exit(1)
	}
}

// parseConfig reads chatd's flags from args and its secrets from the flags
// or, when a flag is not given, from getenv; usage and flag errors go to
// out. Logs go to out as well.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (chatd.Config, error) {
	fs := flag.NewFlagSet("chatd", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	secret := fs.String("jwt-secret", "", "secret signing login tokens; prefer the environment variable "+envJWTSecret+" (a flag is visible in ps), the flag wins when both are set (default: random per start, so tokens die with the process)")
	users := fs.String("users", "", `accounts as "user:password,user:password"; prefer the environment variable `+envUsers+` (same format; the flag wins when both are set) (default: the demo users alice, bob and carol, password "secret")`)
	debug := fs.Bool("debug", false, "log debug events (every connection and close)")
	natsURL := fs.String("nats", "", "share rooms with other chatd nodes through the NATS cluster (JetStream enabled) at these comma-separated URLs")
	dataDir := fs.String("data", "", "run an embedded NATS JetStream server storing room history in this directory, so it survives restarts")
	node := fs.String("node", "", "name of this node in presence across nodes (with -nats or -data; default: random)")
	presence := fs.Duration("presence-timeout", 0, "how long a dead node's members stay present on other nodes (with -nats or -data; default 10s)")
	q := chatd.DefaultQuotas()
	fs.Float64Var(&q.RequestRate, "request-rate", q.RequestRate, "requests (login, send, history) a second one user may make on average; past it: 429 (0: no limit)")
	fs.IntVar(&q.RequestBurst, "request-burst", q.RequestBurst, "requests one user may make at once, above -request-rate")
	fs.Float64Var(&q.MessageRate, "message-rate", q.MessageRate, "messages a second one WebSocket connection may send on average; past it: close 4029 (0: no limit)")
	fs.IntVar(&q.MessageBurst, "message-burst", q.MessageBurst, "messages one connection may send at once, above -message-rate")
	fs.Float64Var(&q.UserMessageRate, "user-message-rate", q.UserMessageRate, "messages a second all the connections of one user may send on average (0: no limit)")
	fs.IntVar(&q.UserMessageBurst, "user-message-burst", q.UserMessageBurst, "messages one user may send at once, above -user-message-rate")
	fs.IntVar(&q.HistoryBytes, "history-bytes", q.HistoryBytes, "bytes of messages each room keeps in memory; larger messages are refused (0: no limit)")
	fs.IntVar(&q.MaxRooms, "max-rooms", q.MaxRooms, "rooms the server holds at once (0: no limit)")
	fs.IntVar(&q.MaxRoomsPerUser, "max-rooms-per-user", q.MaxRoomsPerUser, "rooms one user may be in at once (0: no limit)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of chatd:\n")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nEnvironment:\n  %s\n    \tthe JWT secret, when -jwt-secret is not given\n  %s\n    \tthe accounts, when -users is not given\n", envJWTSecret, envUsers)
	}
	if err := fs.Parse(args); err != nil {
		return chatd.Config{}, err
	}
	if fs.NArg() > 0 {
		return chatd.Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *natsURL != "" && *dataDir != "" {
		return chatd.Config{}, errors.New("use -nats or -data, not both")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["jwt-secret"] {
		*secret = getenv(envJWTSecret)
	}
	if !given["users"] {
		*users = getenv(envUsers)
	}

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	cfg := chatd.Config{Addr: *addr, Logger: log, NATSURL: *natsURL, DataDir: *dataDir, NodeID: *node, PresenceTimeout: *presence}
	cfg.Quotas = &q
	if *secret != "" {
		cfg.JWTSecret = []byte(*secret)
	}
	if *users != "" {
		m, err := parseUsers(*users)
		if err != nil {
			return chatd.Config{}, fmt.Errorf("users: %w", err)
		}
		cfg.Users = m
	}
	return cfg, nil
}

// parseUsers reads "user:password,user:password". Errors name the user,
// never the password.
func parseUsers(s string) (map[string]string, error) {
	m := map[string]string{}
	for i, pair := range strings.Split(s, ",") {
		user, pass, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("account %d (user %q) is not user:password", i+1, user)
		}
		m[user] = pass
	}
	return m, nil
}
