// Command chat-cli calls the chat service from a terminal with the
// generated command-line client:
//
//	TOKEN=$(go run ./examples/chat/cmd/chat-cli chat login -user alice -password secret | tr -d '"')
//	go run ./examples/chat/cmd/chat-cli chat join -room general -token "$TOKEN"
//	echo '{"message":"hi"}' | go run ./examples/chat/cmd/chat-cli chat echo
//
// SIGINT (Ctrl-C) and SIGTERM close the open stream with 1000, so the
// server sees a clean end (a member leaves its room at once), and the
// command exits with status 130.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	cli "duplex.dev/examples/chat/gen/http/cli/chat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
