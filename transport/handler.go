package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	duplex "duplex.dev"
	"duplex.dev/ws"
)

// Unary returns the handler of a unary method: decode builds the payload
// from the request (nil when the method has none), endpoint is called with
// it, and the result is written as JSON with status (a method without result
// answers 204). Errors are written with writeError and statuses.
//
// A request carrying an Idempotency-Key header runs the method once: its
// retries get the stored response (see idempotencyKeyHeader). cfgs
// configure it, the later ones' set fields winning (the design's, then the
// deployment's): with a SubjectRate, a subject past its rate gets 429 with
// Retry-After and the method does not run.
func Unary[P any](endpoint func(context.Context, any) (any, error), decode func(*http.Request) (P, error), status int, statuses Statuses, cfgs ...UnaryConfig) http.Handler {
	q := newUnaryQuota(cfgs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var payload any
		if decode != nil {
			p, err := decode(r)
			if err != nil {
				writeError(w, err, statuses)
				return
			}
			payload = p
		}
		key := r.Header.Get(idempotencyKeyHeader)
		run := func(w http.ResponseWriter) {
			var retryAfter time.Duration
			ctx := q.admit(r, &retryAfter).Context()
			if key != "" {
				ctx = context.WithValue(ctx, duplex.IdempotencyKey, key)
			}
			res, err := endpoint(ctx, payload)
			if err != nil {
				if retryAfter > 0 {
					setRetryAfter(w.Header(), retryAfter)
				}
				writeError(w, err, statuses)
				return
			}
			if res == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if enc := q.cfg.ResponseEncoder; enc != nil {
				if res = enc(w, res); res == nil {
					w.WriteHeader(status)
					return
				}
			}
			_ = writeJSON(w, status, res)
		}
		if key != "" && q.idem != nil {
			q.idem.serve(w, r, key, payload, run)
			return
		}
		run(w)
	})
}

// Measure returns h, the handler of a unary method, with its requests
// counted by status and timed in the metrics wsrv was given
// (ws.Config.Metrics; see ws.Metrics.HTTPHandler); h itself when it has none.
func Measure(wsrv *ws.Server, service, method string, h http.Handler) http.Handler {
	return wsrv.Config().Metrics.HTTPHandler(service, method, h)
}

// Format writes a parameter value as text, the inverse of parseScalar.
func Format[T Scalar](v T) string { return fmt.Sprint(v) }

// URL returns scheme://host/path?query, path segments being already escaped.
func URL(scheme, host, path string, query url.Values) string {
	u := url.URL{Scheme: scheme, Host: host, Path: path}
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// webSocketScheme returns the WebSocket scheme matching an HTTP scheme:
// "https" and "wss" give "wss", anything else "ws".
func webSocketScheme(scheme string) string {
	if strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "wss") {
		return "wss"
	}
	return "ws"
}

// PathParam escapes a path parameter value for a client URL.
func PathParam[T Scalar](v T) string { return url.PathEscape(fmt.Sprint(v)) }

// MountPoint is the verb and path a method is served on (a generated
// server's Mounts).
type MountPoint struct {
	// Method is the name of the service method.
	Method string
	// Verb is the HTTP method of the requests.
	Verb string
	// Pattern is the path pattern, as net/http.ServeMux reads it.
	Pattern string
}

// WithNames returns h with the service and method names stored in the
// request context (duplex.ServiceKey, duplex.MethodKey) for endpoint
// middleware.
func WithNames(service, method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), duplex.ServiceKey, service)
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, duplex.MethodKey, method)))
	})
}
