package chatd

import (
	"duplex.dev/hub"
	"duplex.dev/transport"
	"duplex.dev/ws"
)

// Quotas bound what one user can take from a chat server, so that a
// hostile or broken client can neither exhaust its memory nor slow other
// users down (the limits Centrifugo calls client and user rate limits,
// client_channel_limit and history size). A zero field means no limit.
type Quotas struct {
	// RequestRate and RequestBurst cap the unary requests (login, send,
	// history) of one user, over all its clients: past them the answer is
	// 429 with Retry-After.
	RequestRate  float64
	RequestBurst int
	// MessageRate and MessageBurst cap the messages one WebSocket
	// connection sends; UserMessageRate and UserMessageBurst those of all
	// the connections of one user to a method. Past them the connection is
	// closed with 4029 (the client reconnects with backoff).
	MessageRate, UserMessageRate   float64
	MessageBurst, UserMessageBurst int
	// HistoryBytes caps the encoded messages each room keeps in memory
	// (the oldest go first); a larger message is refused with 413.
	HistoryBytes int
	// MaxRooms caps the rooms the server holds at once (idle rooms are
	// dropped after ten minutes); MaxRoomsPerUser the rooms one user is
	// in at once. Past them a join or a post to a new room gets 429 (a
	// resumable stream is closed with 4029).
	MaxRooms, MaxRoomsPerUser int
}

// DefaultQuotas are the quotas of a Config without any: generous for
// people (a person posts far less than one message a second), tight
// enough that one user cannot pin more than a few megabytes a minute, and
// all the rooms' histories together at most MaxRooms × HistoryBytes of
// messages (64 MiB; about twice that in memory with their decoded values).
func DefaultQuotas() Quotas {
	return Quotas{
		RequestRate: 20, RequestBurst: 50,
		MessageRate: 100, MessageBurst: 200,
		UserMessageRate: 200, UserMessageBurst: 400,
		HistoryBytes: 64 << 10,
		MaxRooms:     1000, MaxRoomsPerUser: 64,
	}
}

// options returns the runtime configuration and options that apply q.
func (q Quotas) options() (wsCfg ws.Config, unary transport.UnaryConfig, hubOpts []hub.Option) {
	if q.RequestRate > 0 {
		unary.SubjectRate, unary.SubjectBurst = q.RequestRate, q.RequestBurst
	}
	if q.MessageRate > 0 {
		wsCfg.MessageRate, wsCfg.MessageBurst = q.MessageRate, q.MessageBurst
	}
	if q.UserMessageRate > 0 {
		wsCfg.SubjectMessageRate, wsCfg.SubjectMessageBurst = q.UserMessageRate, q.UserMessageBurst
	}
	if q.HistoryBytes > 0 {
		hubOpts = append(hubOpts, hub.WithHistoryBytes(q.HistoryBytes))
	}
	if q.MaxRooms > 0 {
		hubOpts = append(hubOpts, hub.WithMaxRooms(q.MaxRooms))
	}
	if q.MaxRoomsPerUser > 0 {
		hubOpts = append(hubOpts, hub.WithMaxRoomsPerSubject(q.MaxRoomsPerUser))
	}
	return wsCfg, unary, hubOpts
}
