package resume

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"duplex.dev/ws"
)

// Subprotocol is the Sec-WebSocket-Protocol value that selects duplex.v1.
// A server endpoint must list it in ws.Config.Subprotocols; clients that do
// not ask for it get the default wire.
const Subprotocol = "duplex.v1"

// ErrResumeFailed is the error a Stream ends with when the server cannot
// resume its session (close 4500: the session expired, is unknown, its
// replay buffer overflowed or it belongs to another subject). Messages may
// have been lost: the application decides what to do (start a new stream,
// reload history). The error wraps the server's *ws.CloseError.
var ErrResumeFailed = errors.New("resume: cannot resume the stream")

// ErrSessionClosed is returned by Session and Stream methods once the
// stream has ended.
var ErrSessionClosed = errors.New("resume: stream closed")

// envelope is every duplex.v1 frame: the keys present say what it is.
type envelope struct {
	Seq     uint64          `json:"seq,omitempty"`
	Ack     *uint64         `json:"ack,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	End     *endBody        `json:"end,omitempty"`
	Hello   *helloBody      `json:"hello,omitempty"`
	Resume  *resumeBody     `json:"resume,omitempty"`
	Welcome *welcomeBody    `json:"welcome,omitempty"`
	Resumed *resumedBody    `json:"resumed,omitempty"`
	Close   *closeBody      `json:"close,omitempty"`
}

// closeBody is the client's "abandon this session" frame.
type closeBody struct{}

var closeFrame = []byte(`{"close":{}}`)

type helloBody struct{}

type resumeBody struct {
	Token string `json:"token"`
	Last  uint64 `json:"last"`
}

type welcomeBody struct {
	Token  string `json:"token"`
	Window int    `json:"window,omitempty"`
	Grace  int    `json:"grace,omitempty"`
}

type resumedBody struct {
	From   uint64 `json:"from"`
	Ack    uint64 `json:"ack"`
	Window int    `json:"window,omitempty"`
}

// endBody ends one direction of the stream. Code and Reason are set by the
// server only: 1000 (or absent) is a normal end, anything else the error
// the handler returned, as a close frame would carry it.
type endBody struct {
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func parse(frame []byte) (envelope, error) {
	if e, ok := parseData(frame); ok {
		return e, nil
	}
	var e envelope
	if err := json.Unmarshal(frame, &e); err != nil {
		// The frame itself is never quoted: a resume frame carries the
		// session's token, and this error becomes a close reason and a
		// log line. The decoder's message names a character or a field,
		// never a value.
		return e, fmt.Errorf("invalid duplex.v1 frame (%d bytes): %w", len(frame), err)
	}
	return e, nil
}

// parseData is parse's fast path for the frame that carries the stream,
// {"seq":N,"data":D} exactly as dataFrame writes it: it finds N and D
// without decoding the envelope through reflection, and checks that D is
// one valid JSON value with encoding/json (so a frame with more keys after
// data, which would make D invalid, falls back to parse). Any other
// frame, or spacing, order or number that differs, reports false and goes
// through json.Unmarshal.
func parseData(frame []byte) (envelope, bool) {
	const seqKey, dataKey = `{"seq":`, `,"data":`
	if len(frame) < len(seqKey)+1+len(dataKey)+2 || string(frame[:len(seqKey)]) != seqKey || frame[len(frame)-1] != '}' {
		return envelope{}, false
	}
	i := len(seqKey)
	j := i
	for j < len(frame) && j-i < 20 && frame[j] >= '0' && frame[j] <= '9' {
		j++
	}
	if j == i || frame[i] == '0' || len(frame)-j < len(dataKey)+2 || string(frame[j:j+len(dataKey)]) != dataKey {
		return envelope{}, false
	}
	seq, err := strconv.ParseUint(string(frame[i:j]), 10, 64)
	if err != nil {
		return envelope{}, false
	}
	data := frame[j+len(dataKey) : len(frame)-1]
	if !json.Valid(data) {
		return envelope{}, false
	}
	return envelope{Seq: seq, Data: json.RawMessage(data)}, true
}

// dataFrame builds {"seq":N,"data":…} without re-encoding data.
func dataFrame(seq uint64, data []byte) []byte {
	b := make([]byte, 0, len(data)+32)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}')
}

func endFrame(seq uint64, code ws.StatusCode, reason string) []byte {
	body := endBody{Reason: reason}
	if code != ws.StatusNormalClosure {
		body.Code = int(code)
	}
	b, _ := json.Marshal(struct {
		Seq uint64  `json:"seq"`
		End endBody `json:"end"`
	}{seq, body})
	return b
}

func ackFrame(n uint64) []byte {
	b := make([]byte, 0, 24)
	b = append(b, `{"ack":`...)
	b = strconv.AppendUint(b, n, 10)
	return append(b, '}')
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only fixed, marshalable protocol types reach here
	}
	return b
}

// closeErr is the error a handler-side function returns to make ws close
// the connection with code and reason.
func closeErr(code ws.StatusCode, reason string) error {
	return &ws.CloseError{Code: code, Reason: reason}
}
