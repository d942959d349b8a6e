package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// closeSendTimeout bounds how long a client's Close waits to queue its
// null frame behind a full send queue.
const closeSendTimeout = 5 * time.Second

// Dialer opens the streams of a generated client: the server's scheme and
// host, the dial options of every stream (headers with credentials …) and
// the resumable streams' options.
type Dialer struct {
	Scheme, Host  string
	DialOptions   []ws.DialOption
	ResumeOptions []resume.ClientOption
}

// Dial opens a stream of the method name ("service method", for errors)
// at path, with query q and headers h, and returns it as a generated
// client endpoint does: a *ClientStream[S, R], or nil and the error.
// resumable selects the resumable layer (a resume.Stream that reconnects
// and resumes with no loss when the server speaks duplex.v1, and speaks
// the default wire otherwise); opts come before d's dial options.
func Dial[S, R any](ctx context.Context, d *Dialer, name, path string, q url.Values, h http.Header, resumable bool, opts ...ws.DialOption) (any, error) {
	u := URL(WebSocketScheme(d.Scheme), d.Host, path, q)
	opts = append(append([]ws.DialOption{ws.WithHeader(h)}, opts...), d.DialOptions...)
	var c Carrier
	if resumable {
		s, err := resume.Dial(ctx, u, append([]resume.ClientOption{resume.WithDialOptions(opts...)}, d.ResumeOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c = resumeClient{s}
	} else {
		conn, err := ws.Dial(ctx, u, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c = &clientConn{ClientConn: conn}
	}
	return &ClientStream[S, R]{c: c}, nil
}
