package service

import (
	"context"
	"errors"

	duplex "duplex.dev"
	"duplex.dev/hub"
)

// quotaError gives the hub's quota errors the duplex.Code they are
// answered with: CodeResourceExhausted for a user in too many rooms (429,
// or close 4029 on a stream), CodeTooLarge for a message larger than a
// room's history may hold (413, or close 1009). Other errors are returned
// as they are.
func quotaError(err error) error {
	switch {
	case errors.Is(err, hub.ErrTooManyRooms):
		e := duplex.NewError(duplex.CodeResourceExhausted, "too_many_rooms", "%w: leave a room first", err)
		e.Temporary = true
		return e
	case errors.Is(err, hub.ErrMessageTooLarge):
		return duplex.NewError(duplex.CodeTooLarge, "message_too_large", "%w", err)
	}
	return err
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
