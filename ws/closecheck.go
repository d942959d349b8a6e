package ws

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"unicode/utf8"
)

// closeReasonCheck sits under the library's read buffer (on both sides)
// and follows the frame headers going by, so that a close frame whose
// reason is not valid UTF-8 is answered as RFC 6455 section 8.1 requires:
// coder/websocket echoes any close code it receives, and would answer such
// a frame with the peer's own code. The frame's payload is held until it
// is complete, and when its reason is invalid it is rewritten, in place
// and with the same length, as close 1002 (protocol error: a close frame
// is the protocol's own, as DESIGN.md's table says; Autobahn's case 7.5.1
// accepts 1002 or 1007) with a reason saying so: the library then answers
// 1002 and ends the connection as for any close.
// Every other byte passes through untouched; the cost is a look at each
// frame header. On the server side it also notes when a pong goes by (the
// heartbeat writes its pings without waiting for their pongs, see
// Conn.beat).
type closeReasonCheck struct {
	r      io.Reader
	pinged *atomic.Int64 // the unanswered ping's time, cleared when a pong goes by; nil on the client side

	hdr  [14]byte // the current frame's header, as far as it has gone by
	hn   int      // bytes of hdr collected
	skip uint64   // payload bytes of the current frame still to pass
	hold []byte   // a close frame's payload, collected until complete
	want int      // its length
	out  []byte   // held bytes ready to hand out
	done bool     // a close frame went by: nothing to follow any more
}

// errInvalidUTF8 is the reason of the 1007 close that answers a text
// message that is not valid UTF-8, on either side.
const errInvalidUTF8 = "invalid UTF-8 in a text message"

// invalidCloseReason replaces a close reason that is not valid UTF-8.
const invalidCloseReason = "invalid UTF-8 close reason"

func (c *closeReasonCheck) Read(p []byte) (int, error) {
	if len(c.out) > 0 {
		n := copy(p, c.out)
		c.out = c.out[n:]
		return n, nil
	}
	for {
		n, err := c.r.Read(p)
		if c.done || n == 0 {
			return n, err
		}
		if c.want > 0 {
			c.collect(p[:n])
			if len(c.out) == 0 && err == nil {
				continue // the close payload is not complete yet
			}
			m := copy(p, c.out)
			c.out = c.out[m:]
			return m, err
		}
		if i := c.scan(p[:n]); i < n {
			// A close payload starts at i: hold it and what follows.
			c.collect(p[i:n])
			m := copy(p[i:], c.out)
			c.out = c.out[m:]
			if i+m == 0 && err == nil {
				continue // nothing to hand out yet
			}
			return i + m, err
		}
		return n, err
	}
}

// scan follows the frames in b and returns the index where the payload of
// a close frame worth checking begins, len(b) when there is none.
func (c *closeReasonCheck) scan(b []byte) int {
	i := 0
	for i < len(b) {
		if c.skip > 0 {
			n := uint64(len(b) - i)
			if n > c.skip {
				n = c.skip
			}
			c.skip -= n
			i += int(n)
			continue
		}
		c.hdr[c.hn] = b[i]
		c.hn++
		i++
		if c.hn < 2 || c.hn < headerLen(c.hdr[1]) {
			continue
		}
		c.hn = 0
		length := payloadLen(c.hdr[:])
		const opClose, opPong = 8, 10
		if op := c.hdr[0] & 0x0f; op != opClose {
			if op == opPong && c.pinged != nil {
				c.pinged.Store(0)
			}
			c.skip = length
			continue
		}
		if length <= 2 || length > 125 {
			c.done = true // no reason to check (or a frame the library refuses)
			return len(b)
		}
		c.want = int(length)
		return i
	}
	return len(b)
}

// collect adds b to the held close payload; once the payload is complete
// it is checked, and everything held moves to out.
func (c *closeReasonCheck) collect(b []byte) {
	c.hold = append(c.hold, b...)
	if len(c.hold) < c.want {
		return
	}
	payload := c.hold[:c.want]
	var key []byte
	if masked := c.hdr[1]&0x80 != 0; masked {
		key = c.hdr[headerLen(c.hdr[1])-4:][:4]
		maskBytes(payload, key)
	}
	if !utf8.Valid(payload[2:]) {
		binary.BigEndian.PutUint16(payload, uint16(StatusProtocolError))
		reason := payload[2:]
		n := copy(reason, invalidCloseReason)
		for i := n; i < len(reason); i++ {
			reason[i] = ' '
		}
	}
	if key != nil {
		maskBytes(payload, key)
	}
	c.out, c.hold, c.want, c.done = c.hold, nil, 0, true
}

// headerLen is the length of a client frame's header given its second
// byte: 2, the extended length, then the masking key when the mask bit is
// set.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// payloadLen reads the payload length of a complete header.
func payloadLen(h []byte) uint64 {
	switch n := h[1] & 0x7f; n {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		return binary.BigEndian.Uint64(h[2:])
	default:
		return uint64(n)
	}
}

// maskBytes applies (or removes) a client frame's mask.
func maskBytes(b, key []byte) {
	for i := range b {
		b[i] ^= key[i%4]
	}
}

// checkedConn is the hijacked connection the library reads frames from:
// its reads go through a closeReasonCheck.
type checkedConn struct {
	net.Conn
	check *closeReasonCheck
}

func (c *checkedConn) Read(p []byte) (int, error) { return c.check.Read(p) }

// checkCloseReasons returns nc with its reads checked by a
// closeReasonCheck, the bytes br (nc's read buffer) already holds first:
// they move out of br, which coder/websocket otherwise reads first. A pong
// going by clears pinged.
func checkCloseReasons(nc net.Conn, br *bufio.Reader, pinged *atomic.Int64) net.Conn {
	var r io.Reader = nc
	if n := br.Buffered(); n > 0 {
		pending, _ := br.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(pending)), nc)
		_, _ = br.Discard(n)
	}
	return &checkedConn{Conn: nc, check: &closeReasonCheck{r: r, pinged: pinged}}
}

// checkingClient returns a copy of hc (http.DefaultClient when nil) whose
// upgraded connections are read through a closeReasonCheck, for the Go
// client: the library would answer a server's close frame whose reason is
// not UTF-8 with the server's own code.
func checkingClient(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.Transport = closeReasonTransport{base: hc.Transport}
	return &c
}

// closeReasonTransport hands the library the body of a 101 response (the
// connection itself, after TLS and any proxy) behind a closeReasonCheck.
type closeReasonTransport struct{ base http.RoundTripper }

func (t closeReasonTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, err
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = &checkedBody{ReadWriteCloser: rwc, check: &closeReasonCheck{r: rwc}}
	}
	return resp, nil
}

// checkedBody is an upgraded connection whose reads go through a
// closeReasonCheck.
type checkedBody struct {
	io.ReadWriteCloser
	check *closeReasonCheck
}

func (b *checkedBody) Read(p []byte) (int, error) { return b.check.Read(p) }
