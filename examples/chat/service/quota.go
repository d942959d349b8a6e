package service

import (
	"context"
	"errors"
	"net/http"

	duplex "duplex.dev"
	"duplex.dev/hub"
	"duplex.dev/transport"
)

// quotaError gives the hub's quota errors the HTTP status they are
// answered with: 429 for a user in too many rooms (a duplex.v1 stream is
// closed with 4029), 413 for a message larger than a room's history may
// hold. Other errors are returned as they are.
func quotaError(err error) error {
	var e *transport.Error
	switch {
	case errors.Is(err, hub.ErrTooManyRooms):
		e = transport.NewError(http.StatusTooManyRequests, "too_many_rooms", "%s: leave a room first", err.Error())
		e.Body.Temporary = true
	case errors.Is(err, hub.ErrMessageTooLarge):
		e = transport.NewError(http.StatusRequestEntityTooLarge, "message_too_large", "%s", err.Error())
	default:
		return err
	}
	e.Err = err
	return e
}

// withMessageID gives the message a request publishes the identity of the
// request's Idempotency-Key for user, so that a retry that reaches another
// node is not stored twice (natsbroker deduplicates it).
func withMessageID(ctx context.Context, user string) context.Context {
	key, _ := ctx.Value(duplex.IdempotencyKey).(string)
	if key == "" {
		return ctx
	}
	return hub.WithMessageID(ctx, user+"/"+key)
}
