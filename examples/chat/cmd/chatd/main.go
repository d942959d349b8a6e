// Command chatd runs the chat example: the chat service over HTTP and
// WebSocket, its web page at / and Prometheus metrics at /metrics.
//
//	go run ./examples/chat/cmd/chatd            # http://127.0.0.1:8080/
//	go run ./examples/chat/cmd/chatd -addr :9000 -jwt-secret "$SECRET" -debug
//	go run ./examples/chat/cmd/chatd -data ./chatd-data       # history survives restarts
//	go run ./examples/chat/cmd/chatd -nats nats://n1:4222,nats://n2:4222 -node web-1
//
// Without -nats or -data, rooms are kept in memory: history does not
// survive a restart. -data DIR runs an embedded single-node NATS JetStream
// server with file storage in DIR inside chatd, so rooms' history and
// sequences survive a restart on the same directory. -nats URL joins an
// existing NATS cluster (JetStream enabled) that every chatd node behind a
// load balancer is given: the nodes share rooms, message order, history and
// presence. Give every node the same -jwt-secret so tokens work on all of
// them. See docs/scaling.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"duplex.dev/examples/chat/chatd"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	secret := flag.String("jwt-secret", "", "secret signing login tokens (default: random per start, so tokens die with the process)")
	users := flag.String("users", "", `accounts as "user:password,user:password" (default: the demo users alice, bob and carol, password "secret")`)
	debug := flag.Bool("debug", false, "log debug events (every connection and close)")
	natsURL := flag.String("nats", "", "share rooms with other chatd nodes through the NATS cluster (JetStream enabled) at these comma-separated URLs")
	dataDir := flag.String("data", "", "run an embedded NATS JetStream server storing room history in this directory, so it survives restarts")
	node := flag.String("node", "", "name of this node in presence across nodes (with -nats or -data; default: random)")
	presence := flag.Duration("presence-timeout", 0, "how long a dead node's members stay present on other nodes (with -nats or -data; default 10s)")
	q := chatd.DefaultQuotas()
	flag.Float64Var(&q.RequestRate, "request-rate", q.RequestRate, "requests (login, send, history) a second one user may make on average; past it: 429 (0: no limit)")
	flag.IntVar(&q.RequestBurst, "request-burst", q.RequestBurst, "requests one user may make at once, above -request-rate")
	flag.Float64Var(&q.MessageRate, "message-rate", q.MessageRate, "messages a second one WebSocket connection may send on average; past it: close 4029 (0: no limit)")
	flag.IntVar(&q.MessageBurst, "message-burst", q.MessageBurst, "messages one connection may send at once, above -message-rate")
	flag.Float64Var(&q.UserMessageRate, "user-message-rate", q.UserMessageRate, "messages a second all the connections of one user may send on average (0: no limit)")
	flag.IntVar(&q.UserMessageBurst, "user-message-burst", q.UserMessageBurst, "messages one user may send at once, above -user-message-rate")
	flag.IntVar(&q.HistoryBytes, "history-bytes", q.HistoryBytes, "bytes of messages each room keeps in memory; larger messages are refused (0: no limit)")
	flag.IntVar(&q.MaxRooms, "max-rooms", q.MaxRooms, "rooms the server holds at once (0: no limit)")
	flag.IntVar(&q.MaxRoomsPerUser, "max-rooms-per-user", q.MaxRoomsPerUser, "rooms one user may be in at once (0: no limit)")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *natsURL != "" && *dataDir != "" {
		fmt.Fprintln(os.Stderr, "chatd: use -nats or -data, not both")
		os.Exit(2)
	}
	cfg := chatd.Config{Addr: *addr, Logger: log, NATSURL: *natsURL, DataDir: *dataDir, NodeID: *node, PresenceTimeout: *presence}
	cfg.Quotas = &q
	if *secret != "" {
		cfg.JWTSecret = []byte(*secret)
	}
	if *users != "" {
		m, err := parseUsers(*users)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chatd: -users:", err)
			os.Exit(2)
		}
		cfg.Users = m
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := chatd.Run(ctx, cfg); err != nil {
		log.Error("chatd stopped", "err", err)
		os.Exit(1)
	}
}

// parseUsers reads "user:password,user:password".
func parseUsers(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		user, pass, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("%q is not user:password", pair)
		}
		m[user] = pass
	}
	return m, nil
}
