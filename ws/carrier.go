package ws

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"duplex.dev/internal/ratelimit"
)

// Carrier is what a stream carried by something other than a WebSocket
// (Server-Sent Events, package duplex.dev/sse) needs from the Server, so
// that its limits, logs and metrics are the endpoint's own: the resolved
// Config (the design's settings and Config.Methods'), the endpoint's logger,
// and the duplex_* series of the method.
type Carrier struct {
	s *Server
	e *endpoint
}

// Carrier returns the carrier view of ep (nil: the server's defaults).
func (s *Server) Carrier(ep *Endpoint) *Carrier { return &Carrier{s, s.endpoint(ep)} }

// Admit takes a place for one stream of r among the Server's connections,
// as an upgrade does: a stream on another carrier counts against
// MaxConnections, MaxConnectionsPerIP and the upgrade rate with the
// WebSockets, and is refused as they are. On success it returns the
// function that gives the place back (call it once the stream ended; later
// calls do nothing). Otherwise it answers r with the status and text a
// refused upgrade gets (503 past MaxConnections or after Shutdown, 429
// past MaxConnectionsPerIP or the upgrade rate), records the refusal, and
// returns nil. Server.Len does not count these streams; the endpoint's
// duplex_connections_active does (Opened).
func (c *Carrier) Admit(w http.ResponseWriter, r *http.Request) (release func()) {
	s, ip := c.s, ratelimit.ClientIP(r)
	s.mu.Lock()
	status, msg := s.refusalLocked(ip)
	if status == 0 {
		s.carried++
		s.perIP[ip]++
	}
	s.mu.Unlock()
	if status != 0 {
		c.e.refuse(w, r, status, msg)
		return nil
	}
	return sync.OnceFunc(func() {
		s.mu.Lock()
		s.carried--
		s.releaseIPLocked(ip)
		s.mu.Unlock()
	})
}

// Config returns the endpoint's effective configuration.
func (c *Carrier) Config() Config { return c.e.cfg }

// Logger returns the endpoint's logger (with its service and method).
func (c *Carrier) Logger() *slog.Logger { return c.e.log }

// Opened counts a stream opened on the carrier in duplex_connections_active.
func (c *Carrier) Opened() { c.e.metrics.connected() }

// Closed records the end of a stream Opened counted: its close code, and
// how long its handler ran.
func (c *Carrier) Closed(code StatusCode, handled time.Duration) {
	c.e.metrics.disconnected()
	c.e.metrics.closed(code)
	c.e.metrics.handled(handled)
}

// Sent counts one message of n payload bytes sent.
func (c *Carrier) Sent(n int) { c.e.metrics.out(n) }

// Queued adds delta to duplex_send_queue_depth.
func (c *Carrier) Queued(delta int) { c.e.metrics.queued(delta) }

// Dropped counts a message dropped under the DropOldest policy.
func (c *Carrier) Dropped() { c.e.metrics.dropped() }

// Refused logs and counts a request answered with an HTTP error before its
// stream started.
func (c *Carrier) Refused(r *http.Request, status int, reason string) {
	c.e.refused(r, status, reason)
}
