package sse

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"duplex.dev/ws"
)

// ContentType is the media type of an event stream.
const ContentType = "text/event-stream"

// EndEvent is the type of the last event of a stream the server ended:
// its data is {"code":N,"reason":"…"}, N the close code a WebSocket stream
// would have ended with (1000 done, 1001 server shutting down, 4000 slow
// consumer …). A client that gets it reconnects or not by the same rule as
// after a WebSocket close (4000–4499 and 1001 reconnect, 1000 and
// 4500–4999 do not); an EventSource must call close() for the codes that do
// not, or it reconnects on its own.
const EndEvent = "end"

// Accepts reports whether r asks for an event stream: its Accept header
// names text/event-stream.
func Accepts(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), ContentType) {
				return true
			}
		}
	}
	return false
}

// event is one message queued for the writer.
type event struct {
	id    string // "" for none
	typ   string // the event: line, "" for none (Goa's wire)
	retry int64  // the retry: line, 0 for none (Goa's wire)
	data  []byte // one JSON document, or Goa's data
}

// Event is one event on Goa's wire (Server.HandleGoa): its id:, event:
// and retry: lines, each left out when empty or zero, and its data.
type Event struct {
	ID    string
	Type  string
	Retry int64
	Data  []byte
}

// appendEvent appends ev in the event-stream format. A JSON document from
// encoding/json has no raw newline; one from elsewhere (SendRaw) may, and
// each of its lines becomes a data line, which the client joins back with
// newlines: the same document.
func appendEvent(b []byte, ev event) []byte {
	if ev.id != "" {
		b = append(b, "id: "...)
		b = append(b, ev.id...)
		b = append(b, '\n')
	}
	if ev.typ != "" {
		b = append(b, "event: "...)
		b = append(b, ev.typ...)
		b = append(b, '\n')
	}
	if ev.retry > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, ev.retry, 10)
		b = append(b, '\n')
	}
	data := ev.data
	for {
		line, rest, more := cutLine(data)
		b = append(b, "data: "...)
		b = append(b, line...)
		b = append(b, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(b, '\n')
}

func cutLine(b []byte) (line, rest []byte, found bool) {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			j := i + 1
			if c == '\r' && j < len(b) && b[j] == '\n' {
				j++
			}
			return b[:i], b[j:], true
		}
	}
	return b, nil, false
}

// endBody is the data of the end event.
type endBody struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// appendEnd appends the end event carrying code and reason.
func appendEnd(b []byte, code ws.StatusCode, reason string) []byte {
	data, _ := json.Marshal(endBody{Code: int(code), Reason: reason})
	b = append(b, "event: "+EndEvent+"\n"...)
	return appendEvent(b, event{data: data})
}

// heartbeat is the comment line written when nothing else was for a
// heartbeat interval: it keeps proxies from timing the stream out and
// shows the server a client that is gone.
const heartbeat = ": heartbeat\n\n"

// eventID is the id of an event of a resumable stream: the session's
// token and the event's sequence in it, from 1.
type eventID struct {
	token string
	seq   uint64
}

func (id eventID) String() string { return id.token + "." + strconv.FormatUint(id.seq, 10) }

// parseEventID reads a Last-Event-ID header.
func parseEventID(s string) (eventID, error) {
	token, seq, ok := strings.Cut(s, ".")
	if !ok || token == "" || !validToken(token) {
		return eventID{}, fmt.Errorf("Last-Event-ID %q is malformed: want the id of an event this stream sent (<session>.<sequence>)", clip(s))
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return eventID{}, fmt.Errorf("Last-Event-ID %q is malformed: its sequence is not a number", clip(s))
	}
	return eventID{token: token, seq: n}, nil
}

func validToken(t string) bool {
	if len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// clip shortens what a client sent before it is quoted back.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
