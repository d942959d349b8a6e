package transport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/security"
	"duplex.dev/transport"
)

type post struct {
	Text string `json:"text"`
}

type stored struct {
	Seq  int64  `json:"seq"`
	Text string `json:"text"`
}

// poster is a unary "post" method that stores what it is given and says
// under which sequence.
type poster struct {
	seq     atomic.Int64
	entered chan struct{} // when not nil, each call says it has started
	block   chan struct{} // when not nil, each call waits for it
}

func (p *poster) endpoint(ctx context.Context, v any) (any, error) {
	if p.block != nil {
		p.entered <- struct{}{}
		<-p.block
	}
	return &stored{Seq: p.seq.Add(1), Text: v.(*post).Text}, nil
}

func decodePost(r *http.Request) (*post, error) { return transport.DecodeBody[*post](r) }

// cutFirstReply serves the first request in full, then closes its
// connection instead of writing the response: the client cannot tell
// whether the method ran.
func cutFirstReply(h http.Handler) http.Handler {
	var cut atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cut.CompareAndSwap(false, true) {
			h.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

func TestUnaryIdempotencyKey(t *testing.T) {
	t.Run("a post whose reply was cut is retried with its key and stored once", func(t *testing.T) {
		p := &poster{}
		srv := httptest.NewServer(cutFirstReply(transport.Unary(p.endpoint, decodePost, http.StatusCreated, nil)))
		defer srv.Close()
		req, err := transport.NewRequest(context.Background(), "POST", srv.URL+"/posts", post{Text: "hello"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := transport.Do[stored](srv.Client(), req)
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		if got != (stored{Seq: 1, Text: "hello"}) || p.seq.Load() != 1 {
			t.Errorf("got %+v after %d calls of the method, want seq 1 after 1 call", got, p.seq.Load())
		}
	})
	t.Run("a retry gets the first response, marked as replayed", func(t *testing.T) {
		p := &poster{}
		srv := httptest.NewServer(transport.Unary(p.endpoint, decodePost, http.StatusCreated, nil))
		defer srv.Close()
		var bodies []string
		for range 3 {
			res := rawPost(t, srv, "k1", `{"text":"hi"}`)
			bodies = append(bodies, res.body)
			if res.status != http.StatusCreated {
				t.Fatalf("status %d %s", res.status, res.body)
			}
		}
		if p.seq.Load() != 1 || bodies[0] != bodies[2] {
			t.Errorf("%d calls, bodies %q; want 1 call and the same body", p.seq.Load(), bodies)
		}
		if res := rawPost(t, srv, "k1", `{"text":"other"}`); !strings.Contains(res.body, `"seq":2`) {
			t.Errorf("same key, other payload: %s, want a new call (seq 2)", res.body)
		}
	})
	t.Run("a duplicate while the first runs gets 409 with Retry-After", func(t *testing.T) {
		p := &poster{entered: make(chan struct{}, 2), block: make(chan struct{})}
		srv := httptest.NewServer(transport.Unary(p.endpoint, decodePost, http.StatusCreated, nil))
		defer srv.Close()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := rawPost(t, srv, "k2", `{"text":"hi"}`); res.status != http.StatusCreated {
				t.Errorf("first: %d %s", res.status, res.body)
			}
		}()
		<-p.entered
		res := rawPost(t, srv, "k2", `{"text":"hi"}`)
		close(p.block)
		wg.Wait()
		if res.status != http.StatusConflict || res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "idempotency_key_in_use") {
			t.Errorf("duplicate: %d %v %s, want 409 idempotency_key_in_use with Retry-After", res.status, res.header, res.body)
		}
		if p.seq.Load() != 1 {
			t.Errorf("%d calls, want 1", p.seq.Load())
		}
	})
	t.Run("a malformed key is refused with 400", func(t *testing.T) {
		p := &poster{}
		srv := httptest.NewServer(transport.Unary(p.endpoint, decodePost, http.StatusCreated, nil))
		defer srv.Close()
		if res := rawPost(t, srv, strings.Repeat("k", 300), `{"text":"hi"}`); res.status != http.StatusBadRequest || p.seq.Load() != 0 {
			t.Errorf("%d %s after %d calls, want 400 and no call", res.status, res.body, p.seq.Load())
		}
	})
}

func TestUnarySubjectRate(t *testing.T) {
	var calls atomic.Int64
	endpoint := func(ctx context.Context, v any) (any, error) {
		ctx, err := security.Authenticated(ctx, v.(*post).Text)
		if err != nil {
			return nil, err
		}
		_ = ctx
		return &stored{Seq: calls.Add(1)}, nil
	}
	// So slow a refill that exactly the burst passes.
	srv := httptest.NewServer(transport.Unary(endpoint, decodePost, http.StatusCreated, nil, transport.UnaryConfig{SubjectRate: 0.001, SubjectBurst: 3}))
	defer srv.Close()
	statuses := map[int]int{}
	var limited rawResult
	for i := range 50 {
		res := rawPost(t, srv, fmt.Sprint("m", i), `{"text":"mallory"}`)
		statuses[res.status]++
		if res.status == http.StatusTooManyRequests {
			limited = res
		}
	}
	if statuses[http.StatusCreated] != 3 || statuses[http.StatusTooManyRequests] != 47 || calls.Load() != 3 {
		t.Errorf("flooder got %v and the method ran %d times, want 3×201 then 47×429 and 3 runs", statuses, calls.Load())
	}
	if ra := limited.header.Get("Retry-After"); ra == "" || ra == "0" || !strings.Contains(limited.body, "rate_limited") {
		t.Errorf("429 answer: Retry-After %q, body %s", ra, limited.body)
	}
	for i := range 3 {
		if res := rawPost(t, srv, fmt.Sprint("a", i), `{"text":"alice"}`); res.status != http.StatusCreated {
			t.Errorf("another user's request %d: %d %s, want 201", i, res.status, res.body)
		}
	}
}

type rawResult struct {
	status int
	header http.Header
	body   string
}

// rawPost posts body with an Idempotency-Key and no retry, waiting 5 s at
// most; a failure is status 0 with the error as the body.
func rawPost(t *testing.T, srv *httptest.Server, key, body string) rawResult {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+"/posts", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(transport.IdempotencyKeyHeader, key)
	c := *srv.Client()
	c.Timeout = 5 * time.Second
	res, err := c.Do(req)
	if err != nil {
		return rawResult{body: err.Error()}
	}
	defer res.Body.Close()
	var b json.RawMessage
	_ = json.NewDecoder(res.Body).Decode(&b)
	return rawResult{res.StatusCode, res.Header, string(b)}
}
