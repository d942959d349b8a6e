package intercept

import (
	"log/slog"
	"net/http"

	interceptsrv "duplex.dev/bench/duplex/gen/http/intercept/server"
	"duplex.dev/bench/duplex/gen/intercept"
	"duplex.dev/ws"
)

// NewHandler serves the intercept service with the code Duplex generates,
// si running around its endpoints; the runtime logs to logger.
func NewHandler(logger *slog.Logger, si intercept.ServerInterceptors) http.Handler {
	wsrv := ws.NewServer(ws.Config{Logger: logger})
	srv := interceptsrv.New(intercept.NewEndpoints(Service{}, si), wsrv)
	mux := http.NewServeMux()
	srv.Mount(mux)
	return mux
}
