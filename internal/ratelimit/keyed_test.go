package ratelimit

import (
	"fmt"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestKeyed(t *testing.T) {
	t.Run("each key has its own bucket of burst tokens", func(t *testing.T) {
		k := NewKeyed(0.001, 3)
		for i := range 3 {
			if ok, _ := k.Allow("a"); !ok {
				t.Fatalf("token %d of a refused", i)
			}
		}
		if ok, wait := k.Allow("a"); ok || wait <= 0 {
			t.Errorf("fourth token of a: %v, wait %v; want refused with a wait", ok, wait)
		}
		if ok, _ := k.Allow("b"); !ok {
			t.Error("b refused: it has its own bucket")
		}
	})
	t.Run("full buckets are forgotten, so the table stays as large as the keys sending", func(t *testing.T) {
		k := NewKeyed(1e9, 1) // refills at once: every bucket is full again
		for i := range 10 * sweepAt {
			k.Allow(fmt.Sprint("key", i))
		}
		if n := k.Len(); n > sweepAt {
			t.Errorf("%d keys held after %d one-off keys, want at most %d", n, 10*sweepAt, sweepAt)
		}
	})
}
