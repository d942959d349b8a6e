package service

import (
	"context"
	"errors"

	duplex "duplex.dev"
	"duplex.dev/hub"
)

// quotaError gives the hub's quota errors the HTTP status they are
// answered with: 429 for a user in too many rooms (a duplex.v1 stream is
// closed with 4029), 413 for a message larger than a room's history may
// hold. Other errors are returned as they are.
func quotaError(err error) error {
	var e *duplex.Error
	switch {
	case errors.Is(err, hub.ErrTooManyRooms):
		e = duplex.NewError(duplex.CodeResourceExhausted, "too_many_rooms", "%s: leave a room first", err.Error())
		e.Temporary = true
	case errors.Is(err, hub.ErrMessageTooLarge):
		e = duplex.NewError(duplex.CodeTooLarge, "message_too_large", "%s", err.Error())
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
