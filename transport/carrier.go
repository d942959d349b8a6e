package transport

import (
	"context"
	"net/http"
	"sync/atomic"

	"duplex.dev/internal/multiplex"
	"duplex.dev/sse"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// Carrier moves the frames of one stream: what ServerStream and
// ClientStream need from the thing underneath them (DESIGN.md, "One
// stream, several carriers"). The stream owns everything else: the codec
// (ws.Decode, one strict decoder for every carrier), validation, views and
// the Goa-shaped API generated code exposes.
//
// The carriers today are the per-call WebSocket (*ws.Conn on the server,
// *ws.ClientConn on the client) and the resumable layer on top of it
// (resume.Session, resume.Stream: sequence numbers, acks and resume). A
// Server-Sent Events response (server to client only: ReceiveRaw returns
// io.EOF, CloseSend does nothing) and a multiplexed session (many streams
// on one connection) implement the same methods; transport.Stream (and
// Dial on the client) choose the carrier of each request, the stream
// above it staying the same.
//
// The methods are documented on the interface itself (it is declared in
// duplex.dev/internal/multiplex, so that package duplex.dev/mux shares it
// without importing transport): Send, ReceiveRaw, CloseSend,
// Close(code, reason), Fail, Context and Request.
type Carrier = multiplex.Carrier

// The server's carriers: *ws.Conn is one as it is (its CloseSend is
// below); a resumable session is one through sessionCarrier.

var (
	_ Carrier = serverConn{}
	_ Carrier = sessionCarrier{}
	_ Carrier = (*clientConn)(nil)
	_ Carrier = resumeClient{}
	_ Carrier = (*sse.Stream)(nil) // an event stream (StreamOrEvents)
)

// serverConn is the per-call WebSocket of a server stream.
type serverConn struct{ *ws.Conn }

// CloseSend does nothing: a server ends its side with Close.
func (serverConn) CloseSend(context.Context) error { return nil }

// sessionCarrier is a duplex.v1 session, on the server. started records
// that the handler used the session: its errors are close codes from then
// on, no longer HTTP answers.
type sessionCarrier struct {
	sess    *resume.Session
	conn    *ws.Conn // the connection that opened the session
	started *atomic.Bool
}

func (c sessionCarrier) Send(ctx context.Context, v any) error {
	c.started.Store(true)
	return c.sess.Send(ctx, v)
}

func (c sessionCarrier) ReceiveRaw(ctx context.Context) ([]byte, error) {
	c.started.Store(true)
	return c.sess.ReceiveRaw(ctx)
}

func (sessionCarrier) CloseSend(context.Context) error { return nil }

func (c sessionCarrier) Close(code ws.StatusCode, reason string) error {
	c.started.Store(true)
	if code == ws.StatusNormalClosure {
		return c.sess.Close()
	}
	c.sess.Fail(&ws.CloseError{Code: code, Reason: reason})
	return nil
}

func (c sessionCarrier) Fail(err error) {
	c.started.Store(true)
	c.sess.Fail(err)
}

func (c sessionCarrier) Context() context.Context { return c.sess.Context() }
func (c sessionCarrier) Request() *http.Request   { return c.sess.Request() }

// clientConn is the per-call WebSocket of a client stream.
type clientConn struct {
	*ws.ClientConn
	ended atomic.Bool // the client's side ended: its JSON null was sent
}

func (c *clientConn) CloseSend(ctx context.Context) error {
	c.ended.Store(true)
	return c.ClientConn.CloseSend(ctx)
}

// Close ends the stream the way Goa clients do: a JSON null unless
// CloseSend sent it (the client sends nothing more), then close 1000,
// releasing the connection (a client always closes with 1000). Calling it
// on a stream the server already ended, or twice, is harmless.
func (c *clientConn) Close(ws.StatusCode, string) error {
	if !c.ended.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), closeSendTimeout)
		// CloseSend fails only when the stream already ended or its send
		// queue is stuck; Close handles both.
		_ = c.CloseSend(ctx)
		cancel()
	}
	return c.ClientConn.Close()
}

func (c *clientConn) Context() context.Context { return context.Background() }
func (*clientConn) Request() *http.Request     { return nil }

// resumeClient is a resumable client stream (it speaks the default wire
// when the server does not negotiate duplex.v1). Its Close abandons a
// stream the server has not ended (see resume.Stream.Close).
type resumeClient struct{ *resume.Stream }

func (c resumeClient) Close(ws.StatusCode, string) error { return c.Stream.Close() }
func (c resumeClient) Context() context.Context          { return context.Background() }
func (resumeClient) Request() *http.Request              { return nil }
