package resume

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"duplex.dev/internal/backoff"
	"duplex.dev/internal/defaults"
	"duplex.dev/ws"
)

// ClientOption configures Dial.
type ClientOption func(*clientConfig)

type clientConfig struct {
	dial             ws.DialConfig
	retry            ws.RetryPolicy
	state            func(ws.State)
	rnd              *rand.Rand
	replayMessages   int
	replayBytes      int
	ackEvery         int
	ackDelay         time.Duration
	handshakeTimeout time.Duration
	heartbeat        [2]time.Duration // interval, timeout
}

// WithDial configures every ws.Dial of the stream (headers with
// credentials, an HTTP client, a read limit, other hosts …). Its
// Subprotocols are replaced by duplex.v1 and its Retry by one attempt:
// give the stream's retry policy and state function with this package's
// WithRetry and WithStateFunc.
func WithDial(cfg ws.DialConfig) ClientOption {
	return func(c *clientConfig) { c.dial = cfg }
}

// WithRetry sets the backoff between reconnection attempts (default
// ws.DefaultRetryPolicy: full jitter, unlimited attempts).
func WithRetry(p ws.RetryPolicy) ClientOption { return func(c *clientConfig) { c.retry = p } }

// WithStateFunc calls f on every change of the stream's connection state:
// Connecting (first dial), Connected, Reconnecting (waiting to dial again
// after a drop), Closed (the stream ended). f runs on the stream's
// goroutine: it must return quickly and must not call Close.
func WithStateFunc(f func(ws.State)) ClientOption { return func(c *clientConfig) { c.state = f } }

// WithRand draws the backoff jitter from r instead of a random source, for
// reproducible tests. r is used by one goroutine at a time.
func WithRand(r *rand.Rand) ClientOption { return func(c *clientConfig) { c.rnd = r } }

// WithSendBuffer bounds the client's buffer of sent, unacknowledged
// messages (default 1024 messages, 1 MiB); Send waits while it is full.
func WithSendBuffer(messages, bytes int) ClientOption {
	return func(c *clientConfig) { c.replayMessages, c.replayBytes = messages, bytes }
}

// WithClientAcks sets how the client batches acknowledgements (default
// every 32 messages or 200 ms).
func WithClientAcks(every int, delay time.Duration) ClientOption {
	return func(c *clientConfig) { c.ackEvery, c.ackDelay = every, delay }
}

// WithHandshakeTimeout bounds each connection attempt, from the dial to
// the server's welcome or resumed frame (default 10 s).
func WithHandshakeTimeout(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.handshakeTimeout = d }
}

// WithHeartbeat makes the client ping the server when it heard nothing
// for interval, and drop the connection (and resume on a new one) when
// the pong does not come within timeout: a path that silently stopped
// carrying bytes is otherwise never noticed by a client that only reads.
// The defaults are the server's (ws.DefaultConfig: 25 s and 60 s); an
// interval of 0 turns the heartbeat off.
func WithHeartbeat(interval, timeout time.Duration) ClientOption {
	return func(c *clientConfig) { c.heartbeat = [2]time.Duration{interval, timeout} }
}

// Stream is the client end of a resumable stream. It stays valid across
// reconnections: Send, Receive and their peers never see a drop, only the
// state function does. Send and CloseSend are safe from many goroutines;
// Receive is meant for one reader at a time. Always call Close.
//
// When the server does not speak duplex.v1, Dial returns a Stream over the
// default wire that does not reconnect (Resumable reports false).
type Stream struct {
	url   string
	cfg   clientConfig
	p     *peer
	plain *ws.ClientConn

	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // the supervisor exited
	wg     sync.WaitGroup

	// grace is how long the server keeps the session after a drop, as
	// its welcome said (0: it did not say).
	grace time.Duration

	mu         sync.Mutex
	token      string
	conn       *ws.ClientConn
	state      ws.State
	reconnects int
}

// errHandshake marks a connection attempt that failed in a way a new
// attempt may fix (the server did not answer in time).
type errHandshake struct{ err error }

func (e *errHandshake) Error() string { return e.err.Error() }
func (e *errHandshake) Unwrap() error { return e.err }

func retryable(err error) bool {
	var he *errHandshake
	return errors.As(err, &he) || ws.Retryable(err)
}

// reconnectable is retryable for a stream that was connected before: a
// failure that carries no verdict of the server (a close code or an HTTP
// status) is the network's, and a new connection may fix it.
func reconnectable(err error) bool {
	var he *errHandshake
	var herr *ws.HTTPError
	var uerr *url.Error
	switch {
	case errors.As(err, &he):
		return true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &uerr):
		return true // the handshake request failed on the network
	case errors.As(err, &herr):
		return ws.Retryable(err)
	case ws.CloseStatus(err) != -1:
		return ws.CloseStatus(err).Retryable()
	}
	// Including io.EOF, a 1000 close: the server closes with 1000 only
	// after its end was acknowledged, so one before it is not the end of
	// the stream; a resume gets the rest, or 4500 if there is none.
	return true
}

// defaultClientConfig is what Dial starts from: the server's defaults
// (DefaultConfig, ws.DefaultConfig), from the one place both take them.
func defaultClientConfig() clientConfig {
	return clientConfig{retry: ws.DefaultRetryPolicy, replayMessages: defaults.ReplayMessages, replayBytes: defaults.ReplayBytes,
		ackEvery: defaults.AckEvery, ackDelay: defaults.AckDelay, handshakeTimeout: defaults.HandshakeTimeout,
		heartbeat: [2]time.Duration{defaults.HeartbeatInterval, defaults.HeartbeatTimeout}}
}

// Dial opens a resumable stream to url: it connects (retrying retryable
// failures with the backoff of WithRetry, within ctx), says hello and
// waits for the server's welcome. ctx bounds this first connection only.
func Dial(ctx context.Context, url string, opts ...ClientOption) (*Stream, error) {
	cfg := defaultClientConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Stream{url: url, cfg: cfg, done: make(chan struct{}), state: -1}
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	s.setState(ws.Connecting)
	var (
		conn *ws.ClientConn
		e    envelope
		err  error
	)
	// The first dial moves through the servers of DialConfig.Hosts; a
	// resume must reach the one that holds the session.
	urls := ws.DialURLs(url, cfg.dial)
	for attempt := 0; ; attempt++ {
		s.url = urls[attempt%len(urls)]
		conn, e, err = s.connect(ctx, envelope{Hello: &helloBody{}}, true)
		if err == nil {
			break
		}
		if !retryable(err) || (cfg.retry.MaxAttempts > 0 && attempt+1 >= cfg.retry.MaxAttempts) || ctx.Err() != nil {
			s.setState(ws.Closed)
			s.cancel(err)
			close(s.done)
			return nil, fmt.Errorf("resume: dial %s: %w", url, err)
		}
		s.setState(ws.Reconnecting)
		if werr := s.wait(ctx, s.delay(attempt, time.Time{}, err)); werr != nil {
			s.setState(ws.Closed)
			s.cancel(werr)
			close(s.done)
			return nil, fmt.Errorf("resume: dial %s: %w (last error: %v)", url, werr, err)
		}
	}
	if conn.Subprotocol() != Subprotocol {
		s.plain = conn
		s.setState(ws.Connected)
		close(s.done)
		return s, nil
	}
	window := cfg.replayMessages
	if e.Welcome.Window > 0 {
		window = min(window, e.Welcome.Window)
	}
	s.p = newPeer(window, cfg.replayBytes, false, cfg.ackEvery, cfg.ackDelay, 1<<30)
	s.token = e.Welcome.Token
	s.grace = time.Duration(e.Welcome.Grace) * time.Second
	gen, _, _ := s.p.attach(0)
	s.conn = conn
	s.setState(ws.Connected)
	go s.supervise(conn, gen, 0)
	return s, nil
}

// connect dials once and performs the duplex.v1 handshake with first.
func (s *Stream) connect(ctx context.Context, first envelope, initial bool) (*ws.ClientConn, envelope, error) {
	hctx, cancel := context.WithTimeout(ctx, s.cfg.handshakeTimeout)
	defer cancel()
	// One attempt: the stream's own backoff (WithRetry) retries.
	dial := s.cfg.dial
	dial.Subprotocols, dial.Retry = []string{Subprotocol}, &ws.RetryPolicy{MaxAttempts: 1}
	conn, err := ws.Dial(hctx, s.url, dial)
	if err != nil {
		if hctx.Err() != nil && ctx.Err() == nil {
			err = &errHandshake{fmt.Errorf("handshake timed out: %w", err)}
		}
		return nil, envelope{}, err
	}
	if conn.Subprotocol() != Subprotocol {
		if initial {
			return conn, envelope{}, nil
		}
		s.closeConn(conn)
		return nil, envelope{}, errors.New("resume: the server no longer speaks duplex.v1")
	}
	fail := func(err error) (*ws.ClientConn, envelope, error) {
		s.closeConn(conn)
		if hctx.Err() != nil && ctx.Err() == nil {
			err = &errHandshake{fmt.Errorf("no answer to %s in time: %w", kind(first), err)}
		}
		return nil, envelope{}, err
	}
	if err := conn.SendRaw(hctx, mustJSON(first)); err != nil {
		return fail(err)
	}
	b, err := conn.ReceiveRaw(hctx)
	if err != nil {
		return fail(err)
	}
	e, err := parse(b)
	switch {
	case err != nil:
	case first.Hello != nil && (e.Welcome == nil || e.Welcome.Token == ""):
		err = fmt.Errorf("resume: expected welcome, got another frame (%d bytes)", len(b))
	case first.Resume != nil && e.Resumed == nil:
		err = fmt.Errorf("resume: expected resumed, got another frame (%d bytes)", len(b))
	}
	if err != nil {
		s.closeConn(conn)
		return nil, envelope{}, err
	}
	return conn, e, nil
}

func kind(e envelope) string {
	if e.Resume != nil {
		return "resume"
	}
	return "hello"
}

// closeConn closes an abandoned connection in the background: its close
// handshake may take seconds on a stalled network, and must not delay the
// next connection.
func (s *Stream) closeConn(c *ws.ClientConn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = c.Close()
	}()
}

// delay is the wait before retry number attempt, after err, for a stream
// whose connection was lost at lost (zero before the first connection).
//
// The server keeps a session for its grace period after the drop, and a
// backoff whose cap reaches the grace (30 s both, by default) can let the
// whole grace pass between two attempts, losing the session to an outage
// much shorter than it. So retries are never more than a quarter of the
// grace apart, and one is made just before the grace ends (at nine
// tenths of it, a margin for the server having seen the drop before this
// client): an outage shorter than the grace ends in a resume.
//
// A 429 or 503 refusal's Retry-After is honoured (see ws.RetryAfter).
func (s *Stream) delay(attempt int, lost time.Time, err error) time.Duration {
	d := s.cfg.retry.Delay(attempt, s.cfg.rnd)
	if s.grace > 0 && !lost.IsZero() {
		d = min(d, s.grace/4)
		if left := time.Until(lost.Add(s.grace - s.grace/10)); left > 0 {
			d = min(d, left)
		}
	}
	return max(d, ws.RetryAfter(err))
}

// wait sleeps for d, the backoff before a retry; it returns
// ErrSessionClosed when the stream is closed meanwhile.
func (s *Stream) wait(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()
	err := backoff.Sleep(ctx, d)
	if err != nil && s.ctx.Err() != nil {
		return ErrSessionClosed
	}
	return err
}

func (s *Stream) setState(st ws.State) {
	s.mu.Lock()
	changed := s.state != st
	s.state = st
	if st == ws.Reconnecting && changed {
		s.reconnects++
	}
	s.mu.Unlock()
	if changed && s.cfg.state != nil {
		s.cfg.state(st)
	}
}

// supervise runs connections until the stream ends.
func (s *Stream) supervise(conn *ws.ClientConn, gen int, last uint64) {
	defer close(s.done)
	defer s.setState(ws.Closed)
	attempt := 0
	for {
		up, before := time.Now(), s.progress()
		err := s.run(conn, gen, last)
		lost := time.Now()
		s.p.detach(gen)
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
		s.closeConn(conn)
		switch {
		case s.ctx.Err() != nil:
			s.p.fail(fmt.Errorf("%w", ErrSessionClosed))
			return
		case s.peerEnded():
			// The server ended the stream and we have all of it; an
			// acknowledgement lost with the connection only keeps the
			// server's session until its grace period ends.
			s.p.fail(ErrSessionClosed)
			return
		case !reconnectable(err):
			s.p.fail(classify(err))
			return
		}
		// A connection that carried messages, or stayed up long enough,
		// restarts the backoff; one that failed at once (a server that
		// accepts and drops) grows it, as a failed dial does: the
		// handshake succeeding is not the stream living.
		if s.progress() != before || time.Since(up) >= s.cfg.retry.Ceiling(64) {
			attempt = 0
		} else {
			attempt++
		}
		for {
			s.setState(ws.Reconnecting)
			if werr := s.wait(s.ctx, s.delay(attempt, lost, err)); werr != nil {
				s.p.fail(ErrSessionClosed)
				return
			}
			s.p.mu.Lock()
			received := s.p.received
			s.p.mu.Unlock()
			var e envelope
			conn, e, err = s.connect(s.ctx, envelope{Resume: &resumeBody{Token: s.token, Last: received}}, false)
			if err == nil {
				gen, _, err = s.p.attach(e.Resumed.Ack)
				if err != nil {
					s.closeConn(conn)
					s.p.fail(fmt.Errorf("resume: server's resumed frame: %w", err))
					return
				}
				// Everything after what the server has is sent again; it
				// drops what it already received.
				last = e.Resumed.Ack
				break
			}
			if s.ctx.Err() != nil {
				s.p.fail(ErrSessionClosed)
				return
			}
			attempt++
			if !reconnectable(err) {
				s.p.fail(classify(err))
				return
			}
			if s.cfg.retry.MaxAttempts > 0 && attempt >= s.cfg.retry.MaxAttempts {
				s.p.fail(fmt.Errorf("resume: giving up after %d attempts: %w", attempt, err))
				return
			}
		}
		s.mu.Lock()
		s.conn = conn
		s.mu.Unlock()
		s.setState(ws.Connected)
	}
}

// classify turns the error that ended a stream into what Receive returns.
func classify(err error) error {
	if ws.CloseStatus(err) == ws.StatusResumeFailed {
		return fmt.Errorf("%w: %w", ErrResumeFailed, err)
	}
	return err
}

// progress counts the messages received and acknowledged so far.
func (s *Stream) progress() uint64 {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.received + s.p.acked
}

func (s *Stream) peerEnded() bool {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.peerEnded
}

// run serves one connection: a pump writes, this goroutine reads.
func (s *Stream) run(conn *ws.ClientConn, gen int, last uint64) error {
	ctx, cancel := context.WithCancelCause(s.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.p.pump(ctx, gen, last, conn.SendRaw); err != nil {
			cancel(err)
		}
	}()
	defer func() {
		cancel(nil)
		wg.Wait()
	}()
	var heard atomic.Int64 // when the last frame arrived (Unix ns)
	heard.Store(time.Now().UnixNano())
	if interval, timeout := s.cfg.heartbeat[0], s.cfg.heartbeat[1]; interval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := heartbeat(ctx, conn, &heard, interval, timeout); err != nil {
				cancel(err)
			}
		}()
	}
	for {
		b, err := conn.ReceiveRaw(ctx)
		heard.Store(time.Now().UnixNano())
		if err == nil && len(b) == 0 {
			err = errConnLost // no duplex.v1 frame is empty: see Session.read
		}
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
		e, err := parse(b)
		if err == nil {
			err = s.p.onFrame(e)
		}
		if errors.Is(err, errGap) {
			return fmt.Errorf("resume: %w: reconnecting to get them again", err) // reconnectable
		}
		if err != nil {
			err = &ws.CloseError{Code: ws.StatusProtocolError, Reason: "duplex.v1: " + err.Error()}
			cancel(err)
			return err
		}
	}
}

// errHeartbeat drops a connection whose server did not answer a ping.
var errHeartbeat = fmt.Errorf("resume: %w", ws.ErrHeartbeatTimeout)

// heartbeat pings the server whenever nothing arrived for interval, until
// ctx ends; it returns errHeartbeat when a pong did not come within
// timeout.
func heartbeat(ctx context.Context, conn *ws.ClientConn, heard *atomic.Int64, interval, timeout time.Duration) error {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if idle := time.Since(time.Unix(0, heard.Load())); idle < interval {
			// Look again an interval after the last frame: a silence is
			// noticed within interval + timeout.
			t.Reset(interval - idle)
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		err := conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			return errHeartbeat
		}
		t.Reset(interval)
	}
}

// Send encodes v as JSON and sends it as the stream's next message. It
// returns once the message is buffered for (re)transmission; when the
// buffer is full of unacknowledged messages it waits for the server, or
// for ctx to end.
func (s *Stream) Send(ctx context.Context, v any) error {
	if s.plain != nil {
		return s.plain.Send(ctx, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("resume: encode message: %w", err)
	}
	return s.p.send(ctx, b, nil)
}

// SendRaw sends frame, one complete JSON document, as Send does. It is
// not copied: do not modify it afterwards.
func (s *Stream) SendRaw(ctx context.Context, frame []byte) error {
	if s.plain != nil {
		return s.plain.SendRaw(ctx, frame)
	}
	if !json.Valid(frame) {
		return errors.New("resume: SendRaw: frame is not valid JSON")
	}
	return s.p.send(ctx, frame, nil)
}

// CloseSend tells the server the client sends nothing more; the stream
// stays open for the server's remaining messages.
func (s *Stream) CloseSend(ctx context.Context) error {
	if s.plain != nil {
		return s.plain.CloseSend(ctx)
	}
	return s.p.send(ctx, nil, &endBody{})
}

// Receive decodes the server's next message into v (see ws.Decode). It
// returns io.EOF when the server ended the stream normally, a
// *ws.CloseError when it ended it with an error, an error wrapping
// ErrResumeFailed when the session could not be resumed, and ctx's error
// when ctx ends first. A message that is not valid JSON for v ends the
// stream as ws.ClientConn.Receive ends a plain one: the connection is
// closed with ws.Decode's close, which Receive returns, then and later.
func (s *Stream) Receive(ctx context.Context, v any) error {
	if s.plain != nil {
		return s.plain.Receive(ctx, v)
	}
	b, err := s.p.receive(ctx)
	return decodeInto(b, err, v, s.fail)
}

// Fail ends the stream because of err, as ws.ClientConn.Fail does: the
// connection is closed with the code and reason err carries, and the
// stream does not reconnect.
func (s *Stream) Fail(err error) {
	if s.plain != nil {
		s.plain.Fail(err)
		return
	}
	s.fail(err)
}

// fail ends the stream because of err, a *ws.CloseError: the connection is
// closed with its code and reason, and the stream does not reconnect.
func (s *Stream) fail(err error) {
	s.p.fail(err)
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		conn.Fail(err)
	}
	s.cancel(err)
}

// ReceiveRaw returns the server's next message undecoded, with Receive's
// errors.
func (s *Stream) ReceiveRaw(ctx context.Context) ([]byte, error) {
	if s.plain != nil {
		return s.plain.ReceiveRaw(ctx)
	}
	return s.p.receive(ctx)
}

// Close ends the stream and releases its connection and goroutines. A
// stream the server has not ended yet is abandoned: the server discards
// its session and cancels its handler. Close is idempotent.
func (s *Stream) Close() error {
	if s.plain != nil {
		return s.plain.Close()
	}
	if s.ctx.Err() == nil {
		s.mu.Lock()
		conn := s.conn
		s.mu.Unlock()
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.SendRaw(ctx, closeFrame)
			cancel()
		}
	}
	s.cancel(ErrSessionClosed)
	<-s.done
	s.wg.Wait()
	s.p.fail(ErrSessionClosed)
	return nil
}

// Resumable reports whether the server negotiated duplex.v1; when it did
// not, the stream speaks the default wire and does not survive a drop.
func (s *Stream) Resumable() bool { return s.plain == nil }

// State returns the stream's current connection state.
func (s *Stream) State() ws.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Reconnects returns how many times the stream lost its connection and
// started reconnecting.
func (s *Stream) Reconnects() int {
	s.mu.Lock()
	n := s.reconnects
	s.mu.Unlock()
	return n
}

// Stats returns the stream's replay buffer statistics (zero for a
// default-wire stream).
func (s *Stream) Stats() Stats {
	if s.plain != nil {
		return Stats{}
	}
	return s.p.stats()
}
