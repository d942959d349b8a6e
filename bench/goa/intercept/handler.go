package intercept

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gorilla/websocket"
	goahttp "goa.design/goa/v3/http"

	interceptsrv "duplex.dev/bench/goa/gen/http/intercept/server"
	intercept "duplex.dev/bench/goa/gen/intercept"
)

// NewHandler serves the intercept service with Goa's generated transport,
// si running around its endpoints. Request and connection errors are logged
// to logger at debug level.
func NewHandler(logger *slog.Logger, si intercept.ServerInterceptors) http.Handler {
	mux := goahttp.NewMuxer()
	errhandler := func(ctx context.Context, w http.ResponseWriter, err error) {
		logger.Debug("goa", "err", err)
	}
	srv := interceptsrv.New(intercept.NewEndpoints(Service{}, si), mux, goahttp.RequestDecoder, goahttp.ResponseEncoder,
		errhandler, nil, &websocket.Upgrader{}, nil)
	interceptsrv.Mount(mux, srv)
	return mux
}
