package transport

import (
	"context"

	"duplex.dev/ws"
	"duplex.dev/ws/resume"
)

// DialResumable opens the client side of a resumable method's stream: a
// resume.Stream that reconnects and resumes with no loss when the server
// speaks duplex.v1, and speaks the default wire otherwise. dialOptions
// apply to every connection (headers with credentials …); opts set the
// retry policy, the state function and the buffers.
func DialResumable(ctx context.Context, url string, dialOptions []ws.DialOption, opts ...resume.ClientOption) (*resume.Stream, error) {
	return resume.Dial(ctx, url, append([]resume.ClientOption{resume.WithDialOptions(dialOptions...)}, opts...)...)
}

// ReceiveResumable is Receive for a resumable stream.
func ReceiveResumable[T any](ctx context.Context, s *resume.Stream) (*T, error) {
	v := new(T)
	if err := s.Receive(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// ReceiveResumableValue is ReceiveValue for a resumable stream.
func ReceiveResumableValue[T any](ctx context.Context, s *resume.Stream) (T, error) {
	var v T
	if err := s.Receive(ctx, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// CloseAndReceiveResumable ends the client's side of a resumable stream,
// reads the server's one result and closes the stream.
func CloseAndReceiveResumable[T any](ctx context.Context, s *resume.Stream) (*T, error) {
	defer s.Close()
	if err := s.CloseSend(ctx); err != nil {
		return nil, err
	}
	return ReceiveResumable[T](ctx, s)
}

// CloseAndReceiveResumableValue is CloseAndReceiveResumable for scalar and
// array results.
func CloseAndReceiveResumableValue[T any](ctx context.Context, s *resume.Stream) (T, error) {
	defer s.Close()
	if err := s.CloseSend(ctx); err != nil {
		var zero T
		return zero, err
	}
	return ReceiveResumableValue[T](ctx, s)
}
