package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// samples collects latencies from many goroutines.
type samples struct {
	mu  sync.Mutex
	all []time.Duration
}

func (s *samples) add(d []time.Duration) {
	s.mu.Lock()
	s.all = append(s.all, d...)
	s.mu.Unlock()
}

// percentile returns the p-th percentile (0–100) of d, sorting d in place.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p / 100)
	return d[i]
}

// publish posts message to room on t and returns the number of members reached.
func publish(ctx context.Context, hc *http.Client, t Target, room, message string) (int, error) {
	body, err := json.Marshal(map[string]string{"message": message})
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/rooms/"+room, strings.NewReader(string(body)))
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	defer resp.Body.Close()
	var n int
	if err := json.NewDecoder(resp.Body).Decode(&n); err != nil {
		return 0, fmt.Errorf("publish: HTTP %d: decode count: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("publish: HTTP %d", resp.StatusCode)
	}
	return n, nil
}

// errLost reports a scenario that did not get back everything it sent.
var errLost = errors.New("messages lost")
