package hub

import (
	"errors"
	"fmt"
	"sync"
)

// Errors of the Hub's quotas.
var (
	// ErrTooManyRooms refuses a join past WithMaxRoomsPerSubject, or a new
	// room past WithMaxRooms.
	ErrTooManyRooms = errors.New("hub: too many rooms")
	// ErrMessageTooLarge refuses a message larger than a room's history
	// may hold (WithHistoryBytes).
	ErrMessageTooLarge = errors.New("hub: message too large")
)

// WithHistoryBytes caps the history each room keeps in memory at n bytes of
// encoded messages, besides WithHistoryLimit's count: the oldest messages
// go first. Publish refuses a message larger than n with
// ErrMessageTooLarge. The decoded value kept with each message is not
// counted; it is usually about as large again. 0 means no byte cap
// (default).
func WithHistoryBytes(n int) Option { return func(h *Hub) { h.historyBytes = max(n, 0) } }

// WithMaxRooms caps the rooms the Hub holds at once (a room is held from
// its first join or message until Evict drops it, idle); joining or
// publishing to a new room past it fails with ErrTooManyRooms. With
// WithHistoryBytes it bounds the memory of all histories. 0 means no cap
// (default).
func WithMaxRooms(n int) Option { return func(h *Hub) { h.maxRooms = max(n, 0) } }

// WithMaxRoomsPerSubject caps the rooms one subject (the User of the
// PresenceInfo it joins with) is a member of at once, over all its
// connections; a join to one more room fails with ErrTooManyRooms. Members
// with an empty User are not counted. 0 means no cap (default).
func WithMaxRoomsPerSubject(n int) Option {
	return func(h *Hub) { h.maxRoomsPerSubject = max(n, 0) }
}

// subjectRooms counts the memberships of each subject per room, for
// WithMaxRoomsPerSubject. Its lock is taken last (under Hub.mu or room.mu).
type subjectRooms struct {
	mu sync.Mutex
	m  map[string]map[string]int // subject → room → memberships
}

// reserve counts one more membership of subject in room, unless that would
// make subject a member of more than max rooms.
func (s *subjectRooms) reserve(subject, room string, max int) error {
	if max <= 0 || subject == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rooms := s.m[subject]
	if rooms[room] == 0 && len(rooms) >= max {
		return fmt.Errorf("%w: %q is in %d rooms already, the most one user may join", ErrTooManyRooms, subject, len(rooms))
	}
	if s.m == nil {
		s.m = make(map[string]map[string]int)
	}
	if rooms == nil {
		rooms = make(map[string]int)
		s.m[subject] = rooms
	}
	rooms[room]++
	return nil
}

// release undoes one reserve.
func (s *subjectRooms) release(subject, room string, max int) {
	if max <= 0 || subject == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rooms := s.m[subject]
	if rooms[room]--; rooms[room] <= 0 {
		delete(rooms, room)
	}
	if len(rooms) == 0 {
		delete(s.m, subject)
	}
}
