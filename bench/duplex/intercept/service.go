package intercept

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	goa "duplex.dev"

	intercept "duplex.dev/bench/duplex/gen/intercept"
)

// Service implements intercept.Service.
type Service struct{}

// Say returns the trail the interceptors wrote, followed by "service".
func (Service) Say(ctx context.Context, p *intercept.SayPayload) (*intercept.SayResult, error) {
	return &intercept.SayResult{Trail: append(p.Trail, "service")}, nil
}

// Chat echoes every message with its position in the stream. An error
// (an interceptor's too) ends the stream with that error: the stream is
// closed normally only when the client ended it.
func (Service) Chat(ctx context.Context, p *intercept.ChatPayload, stream intercept.ChatServerStream) error {
	for seq := 0; ; seq++ {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.Close()
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&intercept.ChatResult{Text: m.Text, Seq: seq}); err != nil {
			return err
		}
	}
}

// Watch picks the view of its results before the first Send, then sends
// count notes.
func (Service) Watch(ctx context.Context, p *intercept.WatchPayload, stream intercept.WatchServerStream) error {
	defer stream.Close()
	stream.SetView(p.View)
	for id := 1; id <= p.Count; id++ {
		n := &intercept.Note{ID: id, Text: fmt.Sprintf("note %d", id), Detail: "detail"}
		if err := stream.Send(n); err != nil {
			return err
		}
	}
	return nil
}

// ServerInterceptors implements intercept.ServerInterceptors and records
// what the interceptors saw.
type ServerInterceptors struct {
	mu sync.Mutex
	// Methods lists the methods called, once per call.
	Methods []string
	// Received lists the texts of the chat messages Audit saw, Sent one
	// "audited" per result it noted (before the result is sent).
	Received, Sent []string
}

func (s *ServerInterceptors) record(list *[]string, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, v)
}

// Seen returns copies of Methods, Received and Sent.
func (s *ServerInterceptors) Seen() (methods, received, sent []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.Methods...), append([]string(nil), s.Received...), append([]string(nil), s.Sent...)
}

// Calls records every call of a method of the service.
func (s *ServerInterceptors) Calls(ctx context.Context, info *intercept.CallsInfo, next goa.Endpoint) (any, error) {
	s.record(&s.Methods, info.Method())
	return next(ctx, info.RawPayload())
}

// Zeta appends "Zeta" to the trail.
func (s *ServerInterceptors) Zeta(ctx context.Context, info *intercept.ZetaInfo, next goa.Endpoint) (any, error) {
	p := info.Payload()
	p.SetTrail(append(p.Trail(), "Zeta"))
	return next(ctx, info.RawPayload())
}

// Alpha appends "Alpha" to the trail.
func (s *ServerInterceptors) Alpha(ctx context.Context, info *intercept.AlphaInfo, next goa.Endpoint) (any, error) {
	p := info.Payload()
	p.SetTrail(append(p.Trail(), "Alpha"))
	return next(ctx, info.RawPayload())
}

// Mid appends "Mid" to the trail and notes the length of the result's.
func (s *ServerInterceptors) Mid(ctx context.Context, info *intercept.MidInfo, next goa.Endpoint) (any, error) {
	p := info.Payload()
	p.SetTrail(append(p.Trail(), "Mid"))
	res, err := next(ctx, info.RawPayload())
	if err != nil {
		return nil, err
	}
	r := info.Result(res)
	r.SetNote(fmt.Sprintf("server Mid saw a trail of %d", len(r.Trail())))
	return res, nil
}

// Guard rejects the text "reject".
func (s *ServerInterceptors) Guard(ctx context.Context, info *intercept.GuardInfo, next goa.Endpoint) (any, error) {
	if info.Payload().Text() == "reject" {
		return nil, intercept.Rejected("Guard rejects this text")
	}
	return next(ctx, info.RawPayload())
}

// Audit refuses the room "closed" when the stream opens, then runs on every
// message: it refuses the text "reject" and notes every result.
func (s *ServerInterceptors) Audit(ctx context.Context, info *intercept.AuditInfo, next goa.Endpoint) (any, error) {
	switch info.CallType() {
	case goa.InterceptorStreamingRecv:
		res, err := next(ctx, nil)
		if err != nil {
			return res, err
		}
		text := info.ServerStreamingPayload(res).Text()
		s.record(&s.Received, text)
		if text == "reject" {
			return nil, intercept.Rejected("Audit rejects this message")
		}
		return res, nil
	case goa.InterceptorStreamingSend:
		info.ServerStreamingResult().SetNote("audited")
		s.record(&s.Sent, "audited")
		return next(ctx, info.RawPayload())
	}
	if info.Payload().Room() == "closed" {
		return nil, intercept.Rejected("Audit: the room is closed")
	}
	return next(ctx, info.RawPayload())
}

// ClientInterceptors implements intercept.ClientInterceptors and records
// what the client sent and received.
type ClientInterceptors struct {
	mu sync.Mutex
	// Sent are the texts of the chat messages sent, Received the positions
	// of those received.
	Sent     []string
	Received []int
}

// Mid appends "client Mid" to the trail of the request.
func (c *ClientInterceptors) Mid(ctx context.Context, info *intercept.MidInfo, next goa.Endpoint) (any, error) {
	p := info.Payload()
	p.SetTrail(append(p.Trail(), "client Mid"))
	return next(ctx, info.RawPayload())
}

// Tapped returns copies of Sent and Received.
func (c *ClientInterceptors) Tapped() (sent []string, received []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.Sent...), append([]int(nil), c.Received...)
}

// Tap records every message of a chat stream, both ways.
func (c *ClientInterceptors) Tap(ctx context.Context, info *intercept.TapInfo, next goa.Endpoint) (any, error) {
	switch info.CallType() {
	case goa.InterceptorStreamingSend:
		c.mu.Lock()
		c.Sent = append(c.Sent, info.ClientStreamingPayload().Text())
		c.mu.Unlock()
		return next(ctx, info.RawPayload())
	case goa.InterceptorStreamingRecv:
		res, err := next(ctx, nil)
		if err != nil {
			return res, err
		}
		c.mu.Lock()
		c.Received = append(c.Received, info.ClientStreamingResult(res).Seq())
		c.mu.Unlock()
		return res, nil
	}
	return next(ctx, info.RawPayload())
}
