package mux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"duplex.dev/internal/closereason"
	"duplex.dev/internal/multiplex"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// Client carries the streams and unary calls of a generated client on one
// multiplexed connection to a server, dialed at the first stream or call
// and again after the connection ended. Give it to the generated client as
// the Transport of its HTTP client:
//
//	m := mux.NewClient("https", host, dial)
//	c := chatclient.NewClient("https", host, &http.Client{Transport: m}, dial)
//
// Streams of methods that are not resumable then go on the connection
// (transport.Dial finds it there), and so do unary calls (RoundTrip). When
// the server does not offer multiplexed connections (it answers the
// upgrade with an HTTP error such as 404, or without duplex.mux.v1), each
// stream gets a socket of its own and each call goes over HTTP.
type Client struct {
	// Fallback carries the requests RoundTrip does not (see RoundTrip).
	Fallback http.RoundTripper

	url  string
	host string
	cfg  ws.DialConfig

	mu      sync.Mutex
	cc      *clientConn
	dialing chan struct{} // closed when the dial under way ends
	off     error         // why the server does not offer it
	closed  bool
}

var _ multiplex.Opener = (*Client)(nil)

// NewClient returns a Client of the server at scheme://host, whose
// connection is dialed at DefaultPath with dial (the generated client's
// dial configuration: headers with credentials …): they are the
// credentials of every stream. Close it when done: it ends the connection.
func NewClient(scheme, host string, dial ws.DialConfig) *Client {
	ws := "ws"
	if scheme == "https" || scheme == "wss" {
		ws = "wss"
	}
	return &Client{url: transport.URL(ws, host, DefaultPath, nil), host: host, cfg: dial}
}

// Open opens the stream of the method at
// path with query q and headers h, and returns once the server started it
// (ok) or refused it: a *ws.HTTPError then, as a socket's Dial returns.
func (c *Client) Open(ctx context.Context, path string, q url.Values, h http.Header) (multiplex.Carrier, error) {
	cc, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	// Ids must increase on the wire: one open at a time takes an id and
	// queues its frame.
	cc.openMu.Lock()
	s := cc.newStream()
	if s == nil {
		cc.openMu.Unlock()
		return nil, cc.endErr()
	}
	f := &frame{T: kindOpen, ID: s.id, Path: path, Query: q.Encode(), Credit: s.window}
	if len(h) > 0 {
		f.Header = h
	}
	err = cc.ws.SendRaw(ctx, f.encode())
	cc.openMu.Unlock()
	if err != nil {
		cc.forget(s)
		return nil, err
	}
	select {
	case <-s.opened:
	case <-ctx.Done():
		s.Close(ws.StatusNormalClosure, "")
		return nil, ctx.Err()
	}
	if err := s.refused(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the connection; its streams end with it.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	cc := c.cc
	c.mu.Unlock()
	if cc == nil {
		return nil
	}
	return cc.ws.Close()
}

// conn returns the open connection, dialing it when there is none.
func (c *Client) conn(ctx context.Context) (*clientConn, error) {
	for {
		c.mu.Lock()
		switch {
		case c.closed:
			c.mu.Unlock()
			return nil, errors.New("mux: client closed")
		case c.off != nil:
			err := c.off
			c.mu.Unlock()
			return nil, err
		case c.cc != nil && !c.cc.isDone():
			cc := c.cc
			c.mu.Unlock()
			return cc, nil
		case c.dialing != nil:
			ch := c.dialing
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		c.dialing = ch
		c.mu.Unlock()
		cc, err := c.dial(ctx)
		c.mu.Lock()
		c.dialing = nil
		close(ch)
		if err != nil {
			var he *ws.HTTPError
			if errors.As(err, &he) && (he.StatusCode == http.StatusNotFound || he.StatusCode == http.StatusBadRequest ||
				he.StatusCode == http.StatusMethodNotAllowed || he.StatusCode == http.StatusUpgradeRequired) || errors.Is(err, multiplex.ErrNotOffered) {
				c.off = fmt.Errorf("mux: %w (%v)", multiplex.ErrNotOffered, err)
				err = c.off
			}
			c.mu.Unlock()
			return nil, err
		}
		if c.closed {
			c.mu.Unlock()
			cc.ws.Close()
			return nil, errors.New("mux: client closed")
		}
		c.cc = cc
		c.mu.Unlock()
		return cc, nil
	}
}

func (c *Client) dial(ctx context.Context) (*clientConn, error) {
	cfg := c.cfg
	cfg.Subprotocols = []string{Subprotocol}
	conn, err := ws.Dial(ctx, c.url, cfg)
	if err != nil {
		return nil, err
	}
	if conn.Subprotocol() != Subprotocol {
		conn.Close()
		return nil, multiplex.ErrNotOffered
	}
	cc := &clientConn{ws: conn, streams: map[uint64]*clientStream{}, calls: map[uint64]chan *frame{}, done: make(chan struct{})}
	go cc.readLoop()
	return cc, nil
}

// clientConn is one multiplexed connection on the client.
type clientConn struct {
	ws     *ws.ClientConn
	openMu sync.Mutex // held while an id is taken and its frame queued

	mu      sync.Mutex
	streams map[uint64]*clientStream
	calls   map[uint64]chan *frame
	next    uint64
	done    chan struct{}
	err     error // why the connection ended
}

func (cc *clientConn) isDone() bool {
	select {
	case <-cc.done:
		return true
	default:
		return false
	}
}

func (cc *clientConn) endErr() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.err
}

// newStream registers a stream with the next id; nil once the connection
// ended.
func (cc *clientConn) newStream() *clientStream {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.err != nil {
		return nil
	}
	cc.next++
	s := &clientStream{cc: cc, id: cc.next, window: DefaultCredit, recvCredit: DefaultCredit,
		opened: make(chan struct{}), wake: make(chan struct{}, 1), room: make(chan struct{}, 1)}
	cc.streams[s.id] = s
	return s
}

func (cc *clientConn) forget(s *clientStream) {
	cc.mu.Lock()
	if cc.streams[s.id] == s {
		delete(cc.streams, s.id)
	}
	cc.mu.Unlock()
}

// readLoop dispatches the server's frames to the streams until the
// connection ends, then ends every stream with it.
func (cc *clientConn) readLoop() {
	var err error
	for {
		var b []byte
		b, err = cc.ws.ReceiveRaw(context.Background())
		if err != nil {
			break
		}
		var f frame
		if jerr := json.Unmarshal(b, &f); jerr != nil {
			err = &ws.CloseError{Code: ws.StatusInvalidPayload, Reason: "mux: invalid frame: " + jerr.Error()}
			cc.ws.Fail(err)
			break
		}
		cc.mu.Lock()
		s := cc.streams[f.ID]
		call := cc.calls[f.ID]
		cc.mu.Unlock()
		switch {
		case f.T == kindReply && call != nil:
			call <- &f
		case s == nil:
		case f.T == kindOK:
			s.started(f.Credit)
		case f.T == kindMsg:
			s.received(f.Data)
		case f.T == kindCredit:
			s.credited(f.N)
		case f.T == kindEnd || f.T == kindError:
			s.ended(&f)
		}
	}
	if errors.Is(err, io.EOF) {
		err = &ws.CloseError{Code: ws.StatusAbnormal, Reason: "mux: the connection closed"}
	}
	cc.mu.Lock()
	cc.err = err
	streams := cc.streams
	cc.streams = map[uint64]*clientStream{}
	calls := cc.calls
	cc.calls = map[uint64]chan *frame{}
	close(cc.done)
	cc.mu.Unlock()
	for _, s := range streams {
		s.end(err)
	}
	for _, ch := range calls {
		close(ch)
	}
}

// clientStream is one stream of a multiplexed connection on the client:
// the transport.Carrier of a generated client's stream.
type clientStream struct {
	cc     *clientConn
	id     uint64
	window int64
	opened chan struct{} // closed at the server's ok or end

	mu         sync.Mutex
	ok         bool
	refusal    error // the server's end before its ok
	credit     int64 // msg frames the server accepts
	in         [][]byte
	recvCredit int64 // msg frames the server may still send
	consumed   int64
	wake       chan struct{} // a message or the end arrived
	room       chan struct{} // credit or the end arrived
	done       bool          // the stream ended
	err        error         // what Send and ReceiveRaw return after the end
	sentNull   bool
	closed     bool
}

var _ multiplex.Carrier = (*clientStream)(nil)

func (s *clientStream) signal() {
	poke(s.wake)
	s.signalRoom()
}

func (s *clientStream) signalRoom() { poke(s.room) }

func (s *clientStream) started(credit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ok || s.done {
		return
	}
	s.ok, s.credit = true, credit
	close(s.opened)
}

func (s *clientStream) refused() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal
}

func (s *clientStream) received(data json.RawMessage) {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	if s.recvCredit < 1 || len(data) == 0 {
		s.mu.Unlock()
		s.Fail(&ws.CloseError{Code: ws.StatusProtocolError, Reason: "mux: message without credit"})
		return
	}
	s.recvCredit--
	s.in = append(s.in, data)
	s.mu.Unlock()
	s.signal()
}

func (s *clientStream) credited(n int64) {
	s.mu.Lock()
	if n > 0 && s.credit+n <= maxCredit {
		s.credit += n
	}
	s.mu.Unlock()
	s.signalRoom()
}

// ended is the server's end (or error) frame.
func (s *clientStream) ended(f *frame) {
	s.cc.forget(s)
	s.mu.Lock()
	if !s.ok && !s.done && f.Status != 0 {
		s.refusal = &ws.HTTPError{StatusCode: f.Status, Body: string(f.Body), Header: http.Header{}}
	}
	s.mu.Unlock()
	var err error = &ws.CloseError{Code: f.Code, Reason: f.Reason}
	if f.Code == ws.StatusNormalClosure {
		err = io.EOF
	}
	s.end(err)
}

// end ends the stream with err, once.
func (s *clientStream) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done, s.err = true, err
	if !s.ok {
		if s.refusal == nil {
			s.refusal = err
			if err == io.EOF {
				s.refusal = &ws.CloseError{Code: ws.StatusNormalClosure}
			}
		}
		close(s.opened)
	}
	s.signal()
}

// Send implements transport.Carrier: it waits for the server's credit.
func (s *clientStream) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("mux: encode: %w", err)
	}
	return s.send(ctx, msgFrame(s.id, b))
}

func (s *clientStream) send(ctx context.Context, f []byte) error {
	for {
		s.mu.Lock()
		if s.done {
			err := s.err
			s.mu.Unlock()
			if err == io.EOF {
				err = &ws.CloseError{Code: ws.StatusNormalClosure, Reason: "stream ended"}
			}
			return err
		}
		if s.credit > 0 {
			s.credit--
			more := s.credit > 0
			s.mu.Unlock()
			if more {
				s.signalRoom() // another sender may wait
			}
			return s.cc.ws.SendRaw(ctx, f)
		}
		s.mu.Unlock()
		select {
		case <-s.room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ReceiveRaw implements transport.Carrier: the server's next message;
// io.EOF after its end 1000, a *ws.CloseError after any other end.
func (s *clientStream) ReceiveRaw(ctx context.Context) ([]byte, error) {
	for {
		s.mu.Lock()
		if len(s.in) > 0 {
			b := s.in[0]
			s.in[0] = nil
			s.in = s.in[1:]
			s.consumed++
			var grant int64
			if s.consumed >= s.window/2 && !s.done {
				grant, s.consumed = s.consumed, 0
				s.recvCredit += grant
			}
			s.mu.Unlock()
			if grant > 0 {
				_ = s.cc.ws.SendRaw(ctx, creditFrame(s.id, grant))
			}
			return b, nil
		}
		if s.done {
			err := s.err
			s.mu.Unlock()
			return nil, err
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// CloseSend implements transport.Carrier: the client's JSON null.
func (s *clientStream) CloseSend(ctx context.Context) error {
	s.mu.Lock()
	if s.sentNull {
		s.mu.Unlock()
		return nil
	}
	s.sentNull = true
	s.mu.Unlock()
	return s.send(ctx, msgFrame(s.id, []byte("null")))
}

// Close implements transport.Carrier as a socket's client does: the JSON
// null unless CloseSend sent it, then the end 1000. Calling it on a stream
// the server ended, or twice, is harmless.
func (s *clientStream) Close(ws.StatusCode, string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	done, null, ok := s.done, s.sentNull, s.ok
	s.mu.Unlock()
	if done {
		return nil
	}
	if !null && ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.CloseSend(ctx)
		cancel()
	}
	s.finish(ws.StatusNormalClosure, "")
	return nil
}

// Fail implements transport.Carrier: the stream ends with the code err
// carries (a frame ws.Decode refused: 1007 …), told to the server.
func (s *clientStream) Fail(err error) {
	code, reason := failStatus(err)
	s.finish(code, reason)
}

// finish sends the end frame and ends the stream here.
func (s *clientStream) finish(code ws.StatusCode, reason string) {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done {
		return
	}
	s.cc.forget(s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = s.cc.ws.SendRaw(ctx, endFrame(s.id, code, reason))
	cancel()
	var err error = &ws.CloseError{Code: code, Reason: closereason.Truncate(reason)}
	if code == ws.StatusNormalClosure {
		err = &ws.CloseError{Code: code, Reason: "stream closed"}
	}
	s.end(err)
}

// Context implements transport.Carrier: a client stream's end is what
// ReceiveRaw reports.
func (*clientStream) Context() context.Context { return context.Background() }

// Request implements transport.Carrier: nil on a client.
func (*clientStream) Request() *http.Request { return nil }
