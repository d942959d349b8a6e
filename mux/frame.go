package mux

import (
	"encoding/json"
	"net/http"
	"strconv"

	"duplex.dev/internal/closereason"
	"duplex.dev/ws"
)

// Subprotocol is the Sec-WebSocket-Protocol of a multiplexed connection.
const Subprotocol = "duplex.mux.v1"

// DefaultPath is the path a Server is mounted on and a Client dials,
// unless told otherwise.
const DefaultPath = "/.duplex/mux"

// The protocol's numbers (docs/protocol.md, section 4).
const (
	// DefaultCredit is the credit of a stream's direction when its open
	// frame names none: the msg frames its sender may send before the
	// receiver grants more.
	DefaultCredit = 64
	// maxCredit bounds the credit outstanding on one direction of a stream.
	maxCredit = 1 << 20
	// maxID is the largest stream id (2^53, exact in every JSON reader).
	maxID = 1 << 53
	// maxOpenFrame bounds an open or call frame: ws.DefaultConfig's
	// UpgradeHeaderLimit, what the upgrade request of a socket may carry.
	maxOpenFrame = 16 << 10
	// DefaultMaxStreams is the number of streams and calls one connection
	// may have open at once (WithMaxStreams).
	DefaultMaxStreams = 128
	// maxCallTimeout bounds a unary call's timeout, and is its default.
	maxCallTimeoutMillis = 60_000
)

// Frame kinds.
const (
	kindOpen   = "open"
	kindOK     = "ok"
	kindMsg    = "msg"
	kindCredit = "credit"
	kindEnd    = "end"
	kindCall   = "call"
	kindReply  = "reply"
	kindError  = "error"
)

// frame is one frame of the protocol, in either direction; each kind uses
// some of the fields.
type frame struct {
	T       string          `json:"t"`
	ID      uint64          `json:"id"`
	Method  string          `json:"method,omitempty"`
	Path    string          `json:"path,omitempty"`
	Query   string          `json:"query,omitempty"`
	Header  http.Header     `json:"header,omitempty"`
	Credit  int64           `json:"credit,omitempty"`
	N       int64           `json:"n,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
	Timeout int64           `json:"timeout,omitempty"`
	Code    ws.StatusCode   `json:"code,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Status  int             `json:"status,omitempty"`
}

// encode returns f as a text frame.
func (f *frame) encode() []byte {
	b, err := json.Marshal(f)
	if err != nil { // a Body or Data that is not JSON: never built so
		panic("mux: encode frame: " + err.Error())
	}
	return b
}

// msgFrame returns the msg frame of stream id carrying data, one JSON
// document, without re-encoding it.
func msgFrame(id uint64, data []byte) []byte {
	b := make([]byte, 0, len(data)+40)
	b = append(b, `{"t":"msg","id":`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}')
}

// creditFrame returns the credit frame granting n messages on stream id.
func creditFrame(id uint64, n int64) []byte {
	return (&frame{T: kindCredit, ID: id, N: n}).encode()
}

// endFrame returns the end frame of stream id.
func endFrame(id uint64, code ws.StatusCode, reason string) []byte {
	return (&frame{T: kindEnd, ID: id, Code: code, Reason: closereason.Truncate(reason)}).encode()
}
