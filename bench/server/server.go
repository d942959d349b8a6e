package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"duplex.dev/bench/goa"
	"duplex.dev/bench/raw"
)

// servers maps a kind (the -kind flag of cmd/benchserver, the row name in the
// report) to the constructor of its handler.
//
// The generated Duplex server is registered as "duplex" by duplex.go (the
// code `duplex gen` generates from the bench design, bench/duplex), and
// "duplex-runtime" (duplexruntime.go) serves the same endpoints written
// directly on duplex.dev/ws, for comparison with what generated code adds.
var servers = map[string]func(*slog.Logger) http.Handler{
	"raw":        raw.NewHandler,
	"raw-inline": raw.NewInlineHandler,
	"goa":        goa.NewHandler,
}

// order is the report order: the two raw servers (the inline one is the
// baseline of issue 20's ratios), then the frameworks.
var order = []string{"raw-inline", "raw", "goa", "duplex-runtime", "duplex"}

// Kinds lists the registered server kinds, raw (the ceiling) first.
func Kinds() []string {
	var kinds []string
	for _, k := range order {
		if _, ok := servers[k]; ok {
			kinds = append(kinds, k)
		}
	}
	for k := range servers {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Handler returns the handler of kind, or an error naming the known kinds.
func Handler(kind string, logger *slog.Logger) (http.Handler, error) {
	newHandler, ok := servers[kind]
	if !ok {
		if h, ok, err := delayed(kind, logger); ok {
			return h, err
		}
		return nil, fmt.Errorf("unknown server kind %q (known: %v, and %sDURATION)", kind, Kinds(), delayedPrefix)
	}
	return newHandler(logger), nil
}

// ReadyPrefix starts the line Serve writes once it accepts connections;
// the rest of the line is the base URL (http://127.0.0.1:PORT).
const ReadyPrefix = "listening on "

// GCCommand is the control line that makes Serve collect garbage and return
// freed memory to the OS (runtime.GC, debug.FreeOSMemory) before answering
// GCDone, so that the harness reads a resident size without garbage in it.
const (
	GCCommand = "gc"
	GCDone    = "gc done"
)

// Serve runs the server of kind on addr (use "127.0.0.1:0" for a free port),
// writes ReadyPrefix+URL and a newline to out once it listens, and serves
// until ctx is done or control reaches EOF (the harness holds the other end
// of control, so a server never outlives it). Each GCCommand line read from
// control is answered with a GCDone line on out. WebSocket connections still
// open are dropped when the process exits.
func Serve(ctx context.Context, kind, addr string, out io.Writer, control io.Reader, logger *slog.Logger) error {
	h, err := Handler(kind, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(out, "%shttp://%s\n", ReadyPrefix, ln.Addr()); err != nil {
		srv.Close()
		<-served
		return fmt.Errorf("report address: %w", err)
	}
	stopped := make(chan struct{})
	if control != nil {
		go func() {
			defer close(stopped)
			sc := bufio.NewScanner(control)
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == GCCommand {
					runtime.GC()
					debug.FreeOSMemory()
					fmt.Fprintln(out, GCDone)
				}
			}
		}()
	}
	select {
	case <-ctx.Done():
	case <-stopped:
	case err := <-served:
		return fmt.Errorf("serve %s: %w", kind, err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown %s: %w", kind, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", kind, err)
	}
	return nil
}
