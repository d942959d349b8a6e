package chatd_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"duplex.dev/examples/chat/chatd"
	"duplex.dev/examples/chat/gen/chat"
)

// scrape returns the sum of the samples of metric on n's /metrics whose
// labels contain every one of labels.
func scrape(t *testing.T, n *node, metric string, labels ...string) float64 {
	t.Helper()
	resp, err := n.http.Get("http://" + n.host + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
next:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue next
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

func TestMetricsCountStreamsAndMessages(t *testing.T) {
	n := startChatd(t, chatd.Config{})
	ctx := testContext(t)
	c := n.client()
	before := scrape(t, n, "duplex_messages_total", `method="echo"`, `direction="out"`)

	s, err := c.Echo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := s.SendWithContext(ctx, &chat.EchoStreamingPayload{Message: "m"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecvWithContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := scrape(t, n, "duplex_connections_active", `method="echo"`); got != 1 {
		t.Errorf("duplex_connections_active{method=echo} = %v with one echo stream open, want 1", got)
	}
	if got := scrape(t, n, "duplex_messages_total", `method="echo"`, `direction="out"`) - before; got < 3 {
		t.Errorf("duplex_messages_total{method=echo,direction=out} grew by %v, want at least 3", got)
	}
	closeStream(t, s)
}
