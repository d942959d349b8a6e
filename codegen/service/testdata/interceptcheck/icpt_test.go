package icpt

// This test runs inside the generated package of the interceptor design, in
// the throwaway module of TestInterceptorsMatchGoldenFilesAndRun. The
// transport is out of scope here (bench/compat runs interceptors behind
// real servers); it checks the order the wrappers apply and that streaming
// interceptors run on every message.

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	duplex "duplex.dev"
)

type svc struct{}

func (svc) Say(_ context.Context, p *SayPayload) (*SayResult, error) {
	return &SayResult{Trail: append(p.Trail, "service")}, nil
}

func (svc) Chat(ctx context.Context, _ *ChatPayload, s ChatServerStream) error {
	for i := 0; ; i++ {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return s.Close()
		}
		if err != nil {
			return err
		}
		if err := s.Send(&ChatResult{Text: m.Text, Seq: i}); err != nil {
			return err
		}
	}
}

func (svc) Tally(context.Context, TallyServerStream) error { return nil }
func (svc) Watch(_ context.Context, _ *WatchPayload, s WatchServerStream) error {
	s.SetView("tiny")
	return s.Send(&Note{ID: 1, Text: "first"})
}

// recorder implements ServerInterceptors and records each call.
type recorder struct{ calls []string }

func (r *recorder) rec(name string, info duplex.InterceptorInfo) {
	kind := map[duplex.InterceptorCallType]string{duplex.InterceptorUnary: "unary", duplex.InterceptorStreamingSend: "send", duplex.InterceptorStreamingRecv: "recv"}[info.CallType()]
	r.calls = append(r.calls, name+" "+info.Method()+" "+kind)
}

func (r *recorder) Trace(ctx context.Context, info *TraceInfo, next duplex.Endpoint) (any, error) {
	r.rec("trace", info)
	return next(ctx, info.RawPayload())
}

func (r *recorder) Log(ctx context.Context, info *LogInfo, next duplex.Endpoint) (any, error) {
	r.rec("log", info)
	return next(ctx, info.RawPayload())
}

func (r *recorder) Stamp(ctx context.Context, info *StampInfo, next duplex.Endpoint) (any, error) {
	r.rec("stamp", info)
	info.Payload().SetTrail([]string{"stamp:" + info.Payload().Text()})
	res, err := next(ctx, info.RawPayload())
	if err != nil {
		return nil, err
	}
	info.Result(res).SetNote("stamped " + info.Result(res).Trail()[0])
	return res, nil
}

func (r *recorder) Audit(ctx context.Context, info *AuditInfo, next duplex.Endpoint) (any, error) {
	r.rec("audit", info)
	switch info.CallType() {
	case duplex.InterceptorStreamingSend:
		info.ServerStreamingResult().SetNote("audited")
		return next(ctx, info.RawPayload())
	case duplex.InterceptorStreamingRecv:
		res, err := next(ctx, nil)
		if err == nil {
			p := info.ServerStreamingPayload(res)
			p.SetText(p.Text() + "!")
		}
		return res, err
	}
	if info.Payload().Room() == "closed" {
		return nil, errors.New("room closed")
	}
	return next(ctx, info.RawPayload())
}

func (r *recorder) Count(ctx context.Context, info *CountInfo, next duplex.Endpoint) (any, error) {
	return next(ctx, info.RawPayload())
}

func (r *recorder) Peek(ctx context.Context, info *PeekInfo, next duplex.Endpoint) (any, error) {
	if info.CallType() == duplex.InterceptorStreamingSend {
		info.ServerStreamingResult().SetNote("peeked")
	}
	return next(ctx, info.RawPayload())
}

func TestUnaryInterceptorsRunInGoaOrderAndAccessTheValues(t *testing.T) {
	r := &recorder{}
	e := NewEndpoints(svc{}, r)
	res, err := e.Say(context.Background(), &SayPayload{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	// Goa sorts a method's interceptors by name and wraps in that order:
	// the last name runs first.
	if want := []string{"trace say unary", "stamp say unary", "log say unary"}; !slices.Equal(r.calls, want) {
		t.Errorf("calls = %q, want %q", r.calls, want)
	}
	got := res.(*SayResult)
	if !slices.Equal(got.Trail, []string{"stamp:hi", "service"}) || got.Note == nil || *got.Note != "stamped stamp:hi" {
		t.Errorf("result = %+v (note %v), want the trail written by stamp and its note", got, got.Note)
	}
}

func TestNilInterceptorsLeaveTheEndpointsAlone(t *testing.T) {
	e := NewEndpoints(svc{}, nil)
	res, err := e.Say(context.Background(), &SayPayload{Text: "hi"})
	if err != nil || res.(*SayResult).Note != nil {
		t.Fatalf("Say = %+v, %v; want the service's result untouched", res, err)
	}
}

// pipe is a ChatServerStream over slices, standing in for the transport.
type pipe struct {
	in  []*ChatStreamingPayload
	out []*ChatResult
}

func (p *pipe) Send(v *ChatResult) error { return p.SendWithContext(context.Background(), v) }
func (p *pipe) SendWithContext(_ context.Context, v *ChatResult) error {
	p.out = append(p.out, v)
	return nil
}
func (p *pipe) Recv() (*ChatStreamingPayload, error) { return p.RecvWithContext(context.Background()) }
func (p *pipe) RecvWithContext(context.Context) (*ChatStreamingPayload, error) {
	if len(p.in) == 0 {
		return nil, io.EOF
	}
	v := p.in[0]
	p.in = p.in[1:]
	return v, nil
}
func (p *pipe) Close() error { return nil }

func TestStreamingInterceptorsRunOnEveryMessage(t *testing.T) {
	r := &recorder{}
	e := NewEndpoints(svc{}, r)
	p := &pipe{in: []*ChatStreamingPayload{{Text: "a"}, {Text: "b"}}}
	if _, err := e.Chat(context.Background(), &ChatEndpointInput{Payload: &ChatPayload{}, Stream: p}); err != nil {
		t.Fatal(err)
	}
	want := []string{"trace chat unary", "log chat unary", "audit chat unary",
		"audit chat recv", "audit chat send", "audit chat recv", "audit chat send", "audit chat recv"}
	if !slices.Equal(r.calls, want) {
		t.Errorf("calls = %q, want %q", r.calls, want)
	}
	if len(p.out) != 2 || p.out[0].Text != "a!" || p.out[1].Note == nil || *p.out[1].Note != "audited" {
		t.Errorf("sent %+v, want the texts rewritten on Recv and the notes set on Send", p.out)
	}
	room := "closed"
	if _, err := e.Chat(context.Background(), &ChatEndpointInput{Payload: &ChatPayload{Room: &room}, Stream: &pipe{}}); err == nil || err.Error() != "room closed" {
		t.Errorf("Chat to a closed room = %v, want the interceptor's error", err)
	}
}

// notes is a WatchServerStream that records the view and the notes sent.
type notes struct {
	view string
	sent []*Note
}

func (n *notes) Send(v *Note) error { return n.SendWithContext(context.Background(), v) }
func (n *notes) SendWithContext(_ context.Context, v *Note) error {
	n.sent = append(n.sent, v)
	return nil
}
func (n *notes) Close() error        { return nil }
func (n *notes) SetView(view string) { n.view = view }

func TestStreamWrapperForwardsSetView(t *testing.T) {
	e := NewEndpoints(svc{}, &recorder{})
	n := &notes{}
	if _, err := e.Watch(context.Background(), &WatchEndpointInput{Payload: &WatchPayload{}, Stream: n}); err != nil {
		t.Fatal(err)
	}
	if n.view != "tiny" {
		t.Errorf("view of the stream = %q, want the method's SetView(\"tiny\") to reach it through the interceptor's wrapper", n.view)
	}
	if len(n.sent) != 1 || n.sent[0].Note == nil || *n.sent[0].Note != "peeked" {
		t.Errorf("sent %+v, want one note written by Peek", n.sent)
	}
}
