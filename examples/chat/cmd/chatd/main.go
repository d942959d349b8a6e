// Command chatd runs the chat example: the chat service over HTTP and
// WebSocket, its web page at / and Prometheus metrics at /metrics.
//
//	go run ./examples/chat/cmd/chatd            # http://127.0.0.1:8080/
//	go run ./examples/chat/cmd/chatd -addr :9000 -jwt-secret "$SECRET" -debug
//
// Everything is kept in memory: history does not survive a restart.
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
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg := chatd.Config{Addr: *addr, Logger: log}
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
