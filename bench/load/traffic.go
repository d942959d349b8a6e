package load

import (
	"context"
	"fmt"
)

// Traffic serves t, once, the echo and broadcast traffic of cfg's
// scenarios with the gorilla client (64 B echo at window 1 and at the wide
// window on the largest connection count, then the broadcast), so that an
// idle figure taken afterwards is that of a process that has done work.
func Traffic(ctx context.Context, cfg Config, t Target) error {
	n := 1
	for _, c := range cfg.ConnCounts {
		n = max(n, c)
	}
	for _, w := range []int{cfg.Window, cfg.WideWindow} {
		if _, err := echo(ctx, Gorilla, t, n, perConn(cfg.EchoTotal, n), cfg.EchoSize, w); err != nil {
			return fmt.Errorf("traffic: echo window %d: %w", w, err)
		}
	}
	if _, err := broadcast(ctx, Gorilla, cfg, t, 0); err != nil {
		return fmt.Errorf("traffic: broadcast: %w", err)
	}
	return nil
}
