// Package app implements the e2e design for the end-to-end test. This file
// is copied into a temporary module next to the generated code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"duplex.dev/security"

	"e2eapp/gen/e2e"
)

// Service implements e2e.Service.
type Service struct{}

// JWTAuth accepts the token "good" only.
func (Service) JWTAuth(ctx context.Context, token string, _ *security.JWTScheme) (context.Context, error) {
	if token != "good" {
		return ctx, e2e.Unauthorized("invalid token")
	}
	return ctx, nil
}

// Add returns a+b.
func (Service) Add(_ context.Context, p *e2e.AddPayload) (int, error) {
	return p.A + p.B, nil
}

// Sum adds the numbers the client streams and answers with the total.
func (Service) Sum(ctx context.Context, stream e2e.SumServerStream) error {
	total := 0
	for {
		v, err := stream.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(total)
		}
		if err != nil {
			return err
		}
		total += v.N
	}
}

// Ticks streams count notes (3 by default) in the requested view.
func (Service) Ticks(ctx context.Context, p *e2e.TicksPayload, stream e2e.TicksServerStream) error {
	if p.View != nil {
		stream.SetView(*p.View)
	}
	n := 3
	if p.Count != nil {
		n = *p.Count
	}
	for i := range n {
		if err := stream.SendWithContext(ctx, &e2e.Note{Text: fmt.Sprint("tick ", i), Author: "server", Seq: i}); err != nil {
			return err
		}
	}
	return stream.Close()
}

// Echo sends back every message until the client ends its stream.
func (Service) Echo(ctx context.Context, stream e2e.EchoServerStream) error {
	for {
		v, err := stream.RecvWithContext(ctx)
		if errors.Is(err, io.EOF) {
			return stream.Close()
		}
		if err != nil {
			return err
		}
		if err := stream.SendWithContext(ctx, &e2e.EchoResult{Message: v.Message}); err != nil {
			return err
		}
	}
}

// Tag echoes where each part of its payload came from: the path (id), the
// body (label) and a header (trace).
func (Service) Tag(_ context.Context, p *e2e.TagPayload) (string, error) {
	trace := "-"
	if p.Trace != nil {
		trace = *p.Trace
	}
	return fmt.Sprintf("%d:%s:%s", p.ID, p.Label, trace), nil
}
