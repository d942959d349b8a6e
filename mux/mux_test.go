package mux_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"duplex.dev/transport"
)

// TestHundredStreamsOneConnection runs 100 concurrent streams of three
// methods (server→client, both ways, client→server) on one multiplexed
// connection: every message arrives once and in order on its stream, and
// no method's own path sees an upgrade.
func TestHundredStreamsOneConnection(t *testing.T) {
	a := newAPI(t, apiOption{})
	d := a.dialer(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const streams, msgs = 100, 200
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				err = countOnce(ctx, d, msgs)
			case 1:
				err = echoOnce(ctx, d, i, msgs)
			case 2:
				err = sumOnce(ctx, d, msgs)
			}
			if err != nil {
				errs <- fmt.Errorf("stream %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := a.upgrades.Load(); n != 0 {
		t.Errorf("%d upgrades to the methods' own paths, want 0: every stream on the one connection", n)
	}
	if n := a.opened.Load(); n != streams {
		t.Errorf("%d handlers ran, want %d", n, streams)
	}
	if n := a.wsrv.Len(); n != 1 {
		t.Errorf("server holds %d connections, want 1 (the multiplexed one)", n)
	}
}

// countOnce reads a count stream of n: 0 … n-1 once each, in order, then io.EOF.
func countOnce(ctx context.Context, d *transport.Dialer, n int) error {
	s, err := dialCount(ctx, d, n, tokenQuery)
	if err != nil {
		return err
	}
	defer s.Close()
	for want := range n {
		got, err := s.RecvWithContext(ctx)
		if err != nil {
			return fmt.Errorf("recv %d: %w", want, err)
		}
		if got != want {
			return fmt.Errorf("got %d, want %d", got, want)
		}
	}
	if _, err := s.RecvWithContext(ctx); !errors.Is(err, io.EOF) {
		return fmt.Errorf("after the last message: %v, want io.EOF", err)
	}
	return nil
}

// echoOnce sends n notes and reads their echoes, interleaved.
func echoOnce(ctx context.Context, d *transport.Dialer, id, n int) error {
	s, err := dialEcho(ctx, d)
	if err != nil {
		return err
	}
	defer s.Close()
	for i := range n {
		text := strconv.Itoa(id) + "/" + strconv.Itoa(i)
		if err := s.SendWithContext(ctx, &note{Author: ptr("a"), Text: text}); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		got, err := s.RecvWithContext(ctx)
		if err != nil {
			return fmt.Errorf("recv %d: %w", i, err)
		}
		if got != text {
			return fmt.Errorf("got %q, want %q", got, text)
		}
	}
	return nil
}

// sumOnce sends 1 … n and checks the sum the server answers at the end.
func sumOnce(ctx context.Context, d *transport.Dialer, n int) error {
	s, err := dialSum(ctx, d)
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if err := s.SendWithContext(ctx, i); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
	}
	got, err := s.CloseAndRecvWithContext(ctx)
	if err != nil {
		return fmt.Errorf("close and recv: %w", err)
	}
	if want := n * (n + 1) / 2; got != want {
		return fmt.Errorf("sum %d, want %d", got, want)
	}
	return nil
}
