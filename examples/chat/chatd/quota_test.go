package chatd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
)

// post sends one message as the holder of token, without retrying, and
// returns the status.
func post(c *http.Client, host, token, room, text string) (int, error) {
	body, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequest("POST", "http://"+host+"/rooms/"+room+"/messages", strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
		return 0, fmt.Errorf("429 without Retry-After")
	}
	return res.StatusCode, nil
}

// heap returns the live heap after a collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// floodResult is what one run of the flood saw.
type floodResult struct {
	statuses     map[int]int // of the flooder's posts
	legit        map[int]int // of the other user's posts
	legitSlowest time.Duration
	heapGrowth   int64
	elapsed      time.Duration
}

// flood posts posts messages of 4096 four-byte characters (16 KiB) as
// alice over rooms rooms, from 8 clients at once, for 5 s at most (under
// the race detector a post is slow), while bob posts one message every
// 20 ms; it returns what both saw and how much the live heap grew.
func flood(t *testing.T, quotas *chatd.Quotas, posts, rooms int) floodResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := startChatd(t, chatd.Config{Quotas: quotas})
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")
	text := strings.Repeat("😀", 4096)
	before := heap()

	res := floodResult{statuses: map[int]int{}, legit: map[int]int{}}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	floodCtx, stopFlood := context.WithTimeout(ctx, 5*time.Second)
	defer stopFlood()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(posts) && floodCtx.Err() == nil; i = next.Add(1) - 1 {
				st, err := post(n.http, n.host, alice, fmt.Sprint("r", i%int64(rooms)), text)
				if err != nil {
					t.Errorf("flooder's post %d: %v", i, err)
					return
				}
				mu.Lock()
				res.statuses[st]++
				mu.Unlock()
			}
		}()
	}
	floodDone := make(chan struct{})
	go func() { wg.Wait(); close(floodDone) }()
	for i := 0; ; i++ {
		select {
		case <-floodDone:
		case <-time.After(20 * time.Millisecond):
			t0 := time.Now()
			st, err := post(n.http, n.host, bob, "lobby", fmt.Sprint("hello ", i))
			if err != nil {
				t.Fatalf("bob's post %d: %v", i, err)
			}
			res.legit[st]++
			res.legitSlowest = max(res.legitSlowest, time.Since(t0))
			continue
		}
		break
	}
	res.elapsed = time.Since(start)
	res.heapGrowth = int64(heap()) - int64(before)
	return res
}

func TestQuotasBoundAFloodingUser(t *testing.T) {
	const posts, rooms = 2000, 200
	if testing.Short() {
		t.Skip("posts 32 MB; skipped with -short")
	}
	// Without quotas (the figures SECURITY.md compares with).
	open := flood(t, &chatd.Quotas{}, posts, rooms)
	t.Logf("without quotas: flooder %v in %v, bob %v (slowest %v), live heap +%.1f MiB",
		open.statuses, open.elapsed.Round(time.Millisecond), open.legit, open.legitSlowest.Round(time.Millisecond), float64(open.heapGrowth)/(1<<20))

	got := flood(t, nil, posts, rooms)
	t.Logf("default quotas: flooder %v in %v, bob %v (slowest %v), live heap +%.1f MiB",
		got.statuses, got.elapsed.Round(time.Millisecond), got.legit, got.legitSlowest.Round(time.Millisecond), float64(got.heapGrowth)/(1<<20))
	q := chatd.DefaultQuotas()
	allowed := q.RequestBurst + int(q.RequestRate*got.elapsed.Seconds()) + 1
	if got.statuses[http.StatusCreated] > allowed || got.statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("flooder: %v in %v; want at most %d stored and the rest 429", got.statuses, got.elapsed, allowed)
	}
	if len(got.legit) != 1 || got.legit[http.StatusCreated] == 0 {
		t.Errorf("the other user's posts got %v, want all 201", got.legit)
	}
	// 16 KiB per stored post, about three times over in memory (the
	// encoded message, its value, the response), against 32 MB posted.
	if limit := int64(allowed) * 3 * 16 << 10; got.heapGrowth > limit+8<<20 {
		t.Errorf("live heap grew %d MiB, want under %d MiB", got.heapGrowth>>20, (limit+8<<20)>>20)
	}
}

func TestHistoryStaysUnderItsByteCap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := chatd.Quotas{HistoryBytes: 64 << 10}
	n := startChatd(t, chatd.Config{Quotas: &q})
	alice := n.login(t, ctx, "alice")
	text := strings.Repeat("😀", 4096)
	for i := range 20 {
		if st, err := post(n.http, n.host, alice, "big", text); err != nil || st != http.StatusCreated {
			t.Fatalf("post %d: %d %v", i, st, err)
		}
	}
	c := n.client()
	msgs, err := c.History(ctx, &chat.HistoryPayload{Token: alice, Room: "big", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, m := range msgs {
		size += len(m.Text)
	}
	if size > q.HistoryBytes || len(msgs) == 0 || msgs[len(msgs)-1].Sequence != 20 {
		t.Errorf("history: %d messages, %d bytes of text, last %d; want at most %d bytes ending with message 20", len(msgs), size, msgs[len(msgs)-1].Sequence, q.HistoryBytes)
	}
}

func TestRoomsPerUserAreCapped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := chatd.Quotas{MaxRoomsPerUser: 3}
	n := startChatd(t, chatd.Config{Quotas: &q})
	c := n.client()
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")
	for i := range 3 {
		s := joined(t, ctx, c, alice, fmt.Sprint("room", i), "alice")
		t.Cleanup(func() { closeStream(t, s) })
	}
	s, err := c.Join(ctx, &chat.JoinPayload{Token: alice, Room: "room3"})
	if err == nil {
		_, err = s.RecvWithContext(ctx)
		closeStream(t, s)
	}
	if err == nil || !strings.Contains(err.Error(), "too many rooms") {
		t.Errorf("fourth join: %v, want it refused: too many rooms", err)
	}
	t.Logf("fourth join: %v", err)
	b := joined(t, ctx, c, bob, "room3", "bob")
	closeStream(t, b)
}

func TestAFloodingStreamIsClosedWith4029(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := chatd.Quotas{MessageRate: 100, MessageBurst: 200}
	n := startChatd(t, chatd.Config{Quotas: &q})
	c := n.client()
	alice, bob := n.login(t, ctx, "alice"), n.login(t, ctx, "bob")
	legit, err := c.Listener(ctx, &chat.ListenerPayload{Token: bob})
	if err != nil {
		t.Fatal(err)
	}
	// The flooder is a raw client that writes as fast as it can while it
	// reads, so that it sees the close frame whenever it comes.
	flooder, _, err := websocket.Dial(ctx, "ws://"+n.host+"/listen?token="+alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer flooder.CloseNow()
	var sent atomic.Int64
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		for sent.Load() < 20000 {
			if flooder.Write(ctx, websocket.MessageText, []byte(`{"message":"x"}`)) != nil {
				return
			}
			sent.Add(1)
		}
	}()
	_, _, err = flooder.Read(ctx)
	<-writer
	if websocket.CloseStatus(err) != 4029 || !strings.Contains(err.Error(), "more than 100 a second") {
		t.Errorf("flooder after %d messages: %v, want close 4029 saying the rate", sent.Load(), err)
	}
	t.Logf("flooder after %d messages: %v", sent.Load(), err)
	for i := range 10 {
		if err := legit.SendWithContext(ctx, &chat.ListenerStreamingPayload{Message: fmt.Sprint("hi ", i)}); err != nil {
			t.Fatalf("other user's message %d: %v", i, err)
		}
	}
	if got, err := legit.CloseAndRecvWithContext(ctx); err != nil || got != 10 {
		t.Errorf("other user's stream: %d, %v; want 10 counted", got, err)
	}
}
