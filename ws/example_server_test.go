package ws_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"time"

	"duplex.dev/ws"
)

// A stream handler with lazy upgrade: it may still answer with an HTTP
// error until its first Receive or Send. On shutdown, close the streams
// first (net/http's Shutdown does not know hijacked connections), then the
// HTTP server.
func ExampleServer_Handle() {
	wsrv := ws.NewServer(ws.Config{HeartbeatInterval: 25 * time.Second, HeartbeatTimeout: 60 * time.Second, SendQueue: 256, SlowConsumer: ws.Disconnect})
	echo := &ws.Endpoint{Service: "chat", Method: "echo"}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		err := wsrv.Handle(w, r, echo, func(ctx context.Context, c *ws.Conn) error {
			if r.Header.Get("Authorization") == "" {
				return errors.New("missing credentials") // before the upgrade: answered as HTTP below
			}
			for {
				var msg map[string]any
				if err := c.Receive(ctx, &msg); err != nil {
					if errors.Is(err, io.EOF) {
						return nil // the client sent null: close 1000
					}
					return err // bad JSON already closed 1007; others close as Fail does
				}
				if err := c.Send(ctx, msg); err != nil {
					return err
				}
			}
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	})

	hs := &http.Server{Addr: "127.0.0.1:0", Handler: mux}
	go func() {
		if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = wsrv.Shutdown(ctx) // 1001 to every stream, waits for the handlers
	_ = hs.Shutdown(ctx)
}
