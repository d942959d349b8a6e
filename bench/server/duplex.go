package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"duplex.dev/bench/duplex"
	"duplex.dev/ws"
)

// The Duplex row: the service served by the code `duplex gen` generates
// from the bench design (bench/duplex).
func init() { servers["duplex"] = duplex.NewHandler }

// delayedPrefix names a variant of the Duplex row outside the default run:
// "duplex-delay-30ms" is the same server with a write delay of 30 ms on its
// room streams (ws.Config.Methods["bench.join"].WriteDelay), for measuring
// what the delay trades in the broadcast scenario.
const delayedPrefix = "duplex-delay-"

// delayed returns the handler of a delayedPrefix kind; ok is false for any
// other kind.
func delayed(kind string, logger *slog.Logger) (h http.Handler, ok bool, err error) {
	arg, ok := strings.CutPrefix(kind, delayedPrefix)
	if !ok {
		return nil, false, nil
	}
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 {
		return nil, true, fmt.Errorf("server kind %q: want a positive duration after %q, as in %s30ms", kind, delayedPrefix, delayedPrefix)
	}
	return duplex.NewHandlerWith(logger, ws.Config{Methods: map[string]ws.Config{"bench.join": {WriteDelay: d}}}), true, nil
}
