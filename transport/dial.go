package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"duplex.dev/internal/multiplex"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// closeSendTimeout bounds how long a client's Close waits to queue its
// null frame behind a full send queue.
const closeSendTimeout = 5 * time.Second

// Dialer opens the streams of a generated client: the server's scheme and
// host, the configuration of every stream's dial (headers with credentials,
// an HTTP client …) and the resumable streams' options.
type Dialer struct {
	Scheme, Host  string
	Config        ws.DialConfig
	ResumeOptions []ResumeOption
	// Doer is the client's HTTP client. When its Transport is a
	// duplex.dev/mux Client, the streams of methods that are not resumable
	// go on its multiplexed connection, as its unary calls do, when the
	// server offers it; each stream gets a socket of its own otherwise.
	Doer *http.Client
}

// ResumeOption configures a client's resumable streams: a
// resume.ClientOption (resume.WithRetry, resume.WithStateFunc …), named
// here so that generated clients need not import duplex.dev/ws/resume.
type ResumeOption = resume.ClientOption

// Sessions holds the sessions of a server's resumable methods: a
// resume.Manager, named here so that generated servers need not import
// duplex.dev/ws/resume. NewSessions returns one with opts
// (resume.WithGrace …); close it with Close at shutdown.
type Sessions = resume.Manager

// NewSessions returns the sessions of a server's resumable methods: it is
// resume.NewManager.
func NewSessions(opts ...resume.Option) *Sessions { return resume.NewManager(opts...) }

// Dial opens a stream of the method name ("service method", for errors)
// at path, with query q and headers h, and returns it as a generated
// client endpoint does: a *ClientStream[S, R], or nil and the error.
// resumable selects the resumable layer (a resume.Stream that reconnects
// and resumes with no loss when the server speaks duplex.v1, and speaks
// the default wire otherwise). h is added to the headers of d's Config,
// and subprotocols (the design's) are asked for unless d's Config names
// its own.
func Dial[S, R any](ctx context.Context, d *Dialer, name, path string, q url.Values, h http.Header, resumable bool, subprotocols ...string) (any, error) {
	u := URL(webSocketScheme(d.Scheme), d.Host, path, q)
	cfg := d.Config
	if len(h) > 0 {
		cfg.Header = cfg.Header.Clone()
		if cfg.Header == nil {
			cfg.Header = make(http.Header, len(h))
		}
		for k, vs := range h {
			for _, v := range vs {
				cfg.Header.Add(k, v)
			}
		}
	}
	if len(cfg.Subprotocols) == 0 {
		cfg.Subprotocols = subprotocols
	}
	var c Carrier
	if o, ok := d.opener(); ok && !resumable {
		mc, err := o.Open(ctx, path, q, h)
		if err == nil {
			return &ClientStream[S, R]{c: mc}, nil
		}
		if !errors.Is(err, multiplex.ErrNotOffered) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if resumable {
		s, err := resume.Dial(ctx, u, append([]resume.ClientOption{resume.WithDial(cfg)}, d.ResumeOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c = resumeClient{s}
	} else {
		conn, err := ws.Dial(ctx, u, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c = &clientConn{ClientConn: conn}
	}
	return &ClientStream[S, R]{c: c}, nil
}

// opener returns the multiplexed connection d's streams go on, if any.
func (d *Dialer) opener() (multiplex.Opener, bool) {
	if d.Doer == nil {
		return nil, false
	}
	o, ok := d.Doer.Transport.(multiplex.Opener)
	return o, ok
}
