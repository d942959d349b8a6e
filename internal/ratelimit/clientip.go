package ratelimit

import (
	"net"
	"net/http"
)

// ClientIP is the key per-address limits count (ws.Server's connections per
// IP, ws/resume's sessions per IP): the peer of the TCP connection.
// Forwarding headers are not trusted.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
