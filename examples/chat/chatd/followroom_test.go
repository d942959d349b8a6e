package chatd_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"duplex.dev/examples/chat/gen/chat"
	chatc "duplex.dev/examples/chat/gen/http/chat/client"
	"duplex.dev/ws"
)

// TestFollowRoomBacksOffWhenStreamsFailAtOnce: a server that accepts every
// join and fails it at once with 1011 sees the guide's reconnect loop
// back off (100 ms doubling to 5 s, full jitter: about 7 dials in 3 s),
// not dial at the pace of its first delay (about 50 dials in 3 s).
func TestFollowRoomBacksOffWhenStreamsFailAtOnce(t *testing.T) {
	var dials atomic.Int32
	wsrv := ws.NewServer(ws.Config{Logger: slog.New(slog.DiscardHandler)})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dials.Add(1)
		_ = wsrv.Handle(w, r, nil, func(ctx context.Context, c *ws.Conn) error {
			if err := c.Upgrade(); err != nil {
				return err
			}
			return &ws.CloseError{Code: ws.StatusInternalError, Reason: "internal error"}
		})
	}))
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = wsrv.Shutdown(ctx)
	}()
	hc := chatc.NewClient("http", strings.TrimPrefix(hs.URL, "http://"), nil, ws.DialConfig{})
	client := chat.NewClient(hc.Login(), hc.Listener(), hc.Subscribe(), hc.Echo(),
		hc.Join(), hc.Send(), hc.History(), hc.Analytics(), hc.Session())
	const window = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	_ = followRoom(ctx, client, "token", "general", func(*chat.RoomEvent) { t.Error("an event from a server that sends none") })
	// With the backoff, 15 dials in 3 s would need the delays of retries
	// 5 to 13 (each uniform up to 3.2 s or more) to add up to under 3 s.
	if n := dials.Load(); n < 2 || n > 15 {
		t.Fatalf("%d dials in %v against a server failing every stream at once, want between 2 and 15 (the backoff)", n, window)
	}
	t.Logf("%d dials in %v", dials.Load(), window)
}
