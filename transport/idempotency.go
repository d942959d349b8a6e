package transport

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	duplex "duplex.dev"
)

// idempotencyKeyHeader is the request header that makes a unary call safe
// to retry: the server runs the method once per key and answers every
// retry carrying the same key (and the same request) with the first
// response. The generated Go clients set a random one on every call that is
// not a GET and reuse it when they retry.
const idempotencyKeyHeader = "Idempotency-Key"

// idempotencyStore keeps the responses of the requests that carried an
// Idempotency-Key, for ttl and within maxBytes, the oldest going first. A
// request is found again only with the same key, verb, path and payload
// (credentials included): another user, or the same key reused for a
// different call, runs the method.
type idempotencyStore struct {
	ttl      time.Duration
	maxBytes int

	mu    sync.Mutex
	m     map[string]*storedResponse
	order []*storedResponse // completed entries, oldest first
	bytes int
}

type storedResponse struct {
	id      string
	done    chan struct{} // closed when the response is stored (or dropped)
	status  int
	header  http.Header
	body    []byte
	expires time.Time
	size    int
}

func newIdempotencyStore(ttl time.Duration, maxBytes int) *idempotencyStore {
	return &idempotencyStore{ttl: ttl, maxBytes: maxBytes, m: make(map[string]*storedResponse)}
}

// validKey reports whether k is a usable key: 1 to 255 visible ASCII
// characters.
func validKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return false
		}
	}
	return true
}

// serve answers r, whose Idempotency-Key is key, with the stored response
// of an earlier request with the same key and payload, or runs run and
// stores its response. A request arriving while the first is still running
// gets 409 idempotency_key_in_use with Retry-After: 1 and does not wait.
func (s *idempotencyStore) serve(w http.ResponseWriter, r *http.Request, key string, payload any, run func(http.ResponseWriter)) {
	if !validKey(key) {
		writeError(w, duplex.NewError(duplex.CodeInvalid, "invalid_idempotency_key", "invalid %s header: use 1 to 255 visible ASCII characters", idempotencyKeyHeader), nil)
		return
	}
	p, err := json.Marshal(payload)
	if err != nil {
		run(w)
		return
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.Method), []byte(r.URL.Path), []byte(key), p} {
		h.Write(part)
		h.Write([]byte{0})
	}
	id := hex.EncodeToString(h.Sum(nil))

	now := time.Now()
	s.mu.Lock()
	s.expireLocked(now)
	if e := s.m[id]; e != nil {
		s.mu.Unlock()
		select {
		case <-e.done:
			e.replay(w)
		default:
			w.Header().Set("Retry-After", "1")
			e := duplex.NewError(duplex.CodeRefused, "idempotency_key_in_use", "a request with this %s is still being processed; retry it later", idempotencyKeyHeader)
			e.Temporary = true
			writeError(w, e, nil)
		}
		return
	}
	e := &storedResponse{id: id, done: make(chan struct{})}
	s.m[id] = e
	s.mu.Unlock()

	rec := &responseRecorder{header: make(http.Header)}
	completed := false
	defer func() {
		// Also when run panics (nothing is stored then): a retry must not
		// get 409 for ever.
		s.store(e, rec, completed, time.Now())
		close(e.done)
	}()
	run(rec)
	completed = true
	rec.replayTo(w)
}

// store keeps rec as e's response, unless the method may not have run or
// failed in a way a retry may fix (429, 5xx): then a retry runs it again.
func (s *idempotencyStore) store(e *storedResponse, rec *responseRecorder, completed bool, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	status := rec.statusCode()
	size := len(e.id) + len(rec.body) + 256
	if !completed || status == http.StatusTooManyRequests || status >= 500 || size > s.maxBytes {
		delete(s.m, e.id)
		return
	}
	e.status, e.header, e.body, e.size = status, rec.header.Clone(), rec.body, size
	e.expires = now.Add(s.ttl)
	s.order = append(s.order, e)
	s.bytes += size
	for s.bytes > s.maxBytes && len(s.order) > 0 {
		s.dropOldestLocked()
	}
}

// expireLocked drops the stored responses past their time.
func (s *idempotencyStore) expireLocked(now time.Time) {
	for len(s.order) > 0 && now.After(s.order[0].expires) {
		s.dropOldestLocked()
	}
}

func (s *idempotencyStore) dropOldestLocked() {
	old := s.order[0]
	s.order[0] = nil
	s.order = s.order[1:]
	s.bytes -= old.size
	if s.m[old.id] == old {
		delete(s.m, old.id)
	}
}

// replay writes the stored response, marked with Idempotent-Replayed.
func (e *storedResponse) replay(w http.ResponseWriter) {
	for k, vs := range e.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
}

// responseRecorder holds a response so that it can be stored and then
// written.
type responseRecorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *responseRecorder) Header() http.Header { return r.header }

func (r *responseRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

func (r *responseRecorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *responseRecorder) replayTo(w http.ResponseWriter) {
	for k, vs := range r.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(r.statusCode())
	_, _ = w.Write(r.body)
}
