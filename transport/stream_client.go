package transport

import (
	"context"
	"time"

	"duplex.dev/ws"
)

// closeSendTimeout bounds how long CloseClient waits to queue its null
// frame behind a full send queue.
const closeSendTimeout = 5 * time.Second

// Receive reads the next message of a client stream into a new T (a
// struct payload). It returns io.EOF when the server ended the stream
// with close 1000, and ws.ClientConn.Receive's errors otherwise.
func Receive[T any](ctx context.Context, c *ws.ClientConn) (*T, error) {
	v := new(T)
	if err := c.Receive(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// ReceiveValue reads the next message of a client stream as a T (scalars,
// arrays and maps), with Receive's errors.
func ReceiveValue[T any](ctx context.Context, c *ws.ClientConn) (T, error) {
	var v T
	if err := c.Receive(ctx, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// CloseAndReceive ends the client's side of a stream (JSON null), reads the
// server's one result and closes the connection. It returns io.EOF when the
// server closed with 1000 without sending a result.
func CloseAndReceive[T any](ctx context.Context, c *ws.ClientConn) (*T, error) {
	defer c.Close()
	if err := c.CloseSend(ctx); err != nil {
		return nil, err
	}
	return Receive[T](ctx, c)
}

// CloseAndReceiveValue is CloseAndReceive for scalar and array results.
func CloseAndReceiveValue[T any](ctx context.Context, c *ws.ClientConn) (T, error) {
	defer c.Close()
	if err := c.CloseSend(ctx); err != nil {
		var zero T
		return zero, err
	}
	return ReceiveValue[T](ctx, c)
}

// CloseClient ends a client stream the way Goa clients do: a JSON null
// (the client sends nothing more), then close 1000, releasing the
// connection. Calling it on a stream the server already ended, or twice,
// is harmless.
func CloseClient(c *ws.ClientConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), closeSendTimeout)
	defer cancel()
	// CloseSend fails only when the stream already ended or its send queue
	// is stuck; Close handles both.
	_ = c.CloseSend(ctx)
	return c.Close()
}
