// Command chat-cli calls the chat service from a terminal with the
// generated command-line client:
//
//	TOKEN=$(go run ./examples/chat/cmd/chat-cli chat login -user alice -password secret | tr -d '"')
//	go run ./examples/chat/cmd/chat-cli chat join -room general -token "$TOKEN"
//	echo '{"message":"hi"}' | go run ./examples/chat/cmd/chat-cli chat echo
package main

import (
	"context"
	"os"
	"os/signal"

	cli "duplex.dev/examples/chat/gen/http/cli/chat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
