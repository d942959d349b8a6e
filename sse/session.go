package sse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"duplex.dev/internal/closereason"
	"duplex.dev/internal/ratelimit"
	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// session is one resumable event stream: its handler runs once, whatever
// the number of requests the client needed, and its last events are kept
// for a client that comes back with Last-Event-ID.
type session struct {
	srv     *Server
	token   string
	subject string
	ip      string // the client address that opened it
	cancel  context.CancelCauseFunc

	mu        sync.Mutex
	seq       uint64  // last sequence assigned
	ring      []event // the last srv.replay events, oldest first
	conn      *Conn   // nil while the client is away
	grace     *time.Timer
	ended     bool
	endCode   ws.StatusCode
	endReason string
}

// open creates the session of st's request and attaches its connection.
func (s *Server) open(st *Stream) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, &StatusError{http.StatusServiceUnavailable, "server shutting down"}
	}
	ip := ratelimit.ClientIP(st.conn.r)
	switch {
	case len(s.sessions) >= s.maxSessions:
		return nil, &StatusError{http.StatusServiceUnavailable, "too many streams: try again later"}
	case s.maxPerIP > 0 && s.perIP[ip] >= s.maxPerIP:
		return nil, &StatusError{http.StatusTooManyRequests, fmt.Sprintf("too many resumable sessions from this address (%d)", s.maxPerIP)}
	case s.maxPerSubj > 0 && st.subject != "" && s.perSubj[st.subject] >= s.maxPerSubj:
		return nil, &StatusError{http.StatusTooManyRequests, fmt.Sprintf("too many resumable sessions for these credentials (%d)", s.maxPerSubj)}
	}
	ss := &session{srv: s, token: newToken(), subject: st.subject, ip: ip, cancel: st.cancel, conn: st.conn}
	s.sessions[ss.token] = ss
	s.perIP[ip]++
	if ss.subject != "" {
		s.perSubj[ss.subject]++
	}
	return ss, nil
}

// forgetLocked removes ss from the server's sessions and counts; s.mu is held.
func (s *Server) forgetLocked(ss *session) {
	if s.sessions[ss.token] != ss {
		return
	}
	delete(s.sessions, ss.token)
	decrement(s.perIP, ss.ip)
	if ss.subject != "" {
		decrement(s.perSubj, ss.subject)
	}
}

func decrement(m map[string]int, k string) {
	if n := m[k] - 1; n > 0 {
		m[k] = n
	} else {
		delete(m, k)
	}
}

// errGone answers a Last-Event-ID the server cannot resume from.
func errGone(reason string) error {
	return &StatusError{http.StatusGone, "cannot resume the stream: " + reason + "; open a new one (without Last-Event-ID) and reload what was missed"}
}

// resume attaches st's connection to the session its Last-Event-ID names
// and queues the events after it.
func (s *Server) resume(st *Stream) (*session, error) {
	s.mu.Lock()
	ss := s.sessions[st.last.token]
	s.mu.Unlock()
	if ss == nil || ss.subject != st.subject {
		return nil, errGone("the session ended or is unknown")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.ended:
		return nil, errGone("the session ended")
	case st.last.seq > ss.seq:
		return nil, &StatusError{http.StatusBadRequest, fmt.Sprintf("Last-Event-ID: event %d was never sent (the last is %d)", st.last.seq, ss.seq)}
	case st.last.seq+uint64(len(ss.ring)) < ss.seq:
		return nil, errGone(fmt.Sprintf("Last-Event-ID is too old: only the last %d events are kept", len(ss.ring)))
	}
	if ss.conn != nil {
		ss.conn.kill(errors.New("sse: another request resumed the session"))
	}
	if ss.grace != nil {
		ss.grace.Stop()
		ss.grace = nil
	}
	missed := ss.ring[len(ss.ring)-int(ss.seq-st.last.seq):]
	st.conn.preload(append([]event(nil), missed...))
	ss.conn = st.conn
	return ss, nil
}

// send assigns ev the next sequence, keeps it for replay and queues it on
// the connection, if any. wait: wait for room in a full queue (up to the
// write timeout) rather than apply the slow-consumer policy at once.
func (ss *session) send(ctx context.Context, data []byte, wait bool) error {
	var timeout <-chan time.Time
	for {
		ss.mu.Lock()
		if ss.ended {
			ss.mu.Unlock()
			return resume.ErrSessionClosed
		}
		c := ss.conn
		if wait && c != nil {
			if ok, room := c.hasRoom(); !ok {
				ss.mu.Unlock()
				var err error
				if wait, err = c.waitRoom(ctx, room, &timeout); err != nil {
					return err
				}
				continue
			}
		}
		ss.seq++
		ev := event{id: eventID{ss.token, ss.seq}.String(), data: data}
		if len(ss.ring) >= ss.srv.replay {
			ss.ring = append(ss.ring[:0], ss.ring[1:]...)
		}
		ss.ring = append(ss.ring, ev)
		ss.mu.Unlock()
		if c != nil {
			// A full queue under Disconnect ends this connection, not the
			// session: the client resumes from the last event it got.
			_ = c.enqueue(ctx, ev, false)
		}
		return nil
	}
}

// detach records that c ended; if the session still has it and has not
// ended, the session waits the grace period for the client to resume.
func (ss *session) detach(c *Conn) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.conn != c || ss.ended {
		return
	}
	ss.conn = nil
	ss.grace = time.AfterFunc(ss.srv.grace, func() { ss.cancel(resume.ErrExpired) })
}

// end ends the session with err, what its handler returned: the connected
// client gets the end event, and the session is forgotten.
func (ss *session) end(err error) {
	code, reason := endStatus(err)
	ss.mu.Lock()
	if !ss.ended {
		ss.ended, ss.endCode, ss.endReason = true, code, reason
	}
	c := ss.conn
	if ss.grace != nil {
		ss.grace.Stop()
	}
	ss.mu.Unlock()
	// Forgotten first: once the client has the end event, the session no
	// longer counts against the limits.
	ss.srv.mu.Lock()
	ss.srv.forgetLocked(ss)
	ss.srv.mu.Unlock()
	if c != nil {
		c.closeWith(ss.endCode, ss.endReason)
	}
	ss.cancel(resume.ErrSessionClosed)
}

// endStatus is the close code and reason a handler's result ends a stream
// with, as on a WebSocket: nil is 1000; a *ws.CloseError its own; an error
// with a duplex.Code other than CodeInternal that code's close code (1007
// for invalid input) with the error's text; a session that expired or a
// server shutting down 1001; anything else 1011 "internal error".
func endStatus(err error) (ws.StatusCode, string) {
	if err == nil {
		return ws.StatusNormalClosure, ""
	}
	if code, reason, ok := closereason.Of(err); ok {
		return ws.StatusCode(code), reason
	}
	switch {
	case errors.Is(err, resume.ErrManagerClosed):
		return ws.StatusGoingAway, "server shutting down"
	case errors.Is(err, context.Canceled), errors.Is(err, resume.ErrExpired), errors.Is(err, resume.ErrSessionClosed):
		return ws.StatusNormalClosure, ""
	}
	return ws.StatusInternalError, "internal error"
}
