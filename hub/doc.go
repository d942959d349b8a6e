// Package hub holds rooms for one process: their members, presence
// (join and leave events), a bounded, ordered history per room, last-active
// times and idle-room eviction, and it broadcasts each room's messages to its
// members in one order with consecutive sequence numbers.
//
// # Broadcast
//
// A message is encoded as JSON once when it is published (the "" view, the
// value as published) and once more per other view in use in the room (views
// are registered with WithView as projections func(any) any); every member
// then receives the same []byte through Member.SendRaw, which only enqueues.
// Encoding never happens per member: Stats().Encodes counts it. A member
// whose SendRaw fails (a slow consumer whose queue is full, a closed
// connection) is removed and the others are told with a leave event; the
// others are not affected.
//
// # Sequences and brokers
//
// Sequence numbers come from the Broker, not the Hub, so that several nodes
// agree on them. Publish passes a build function that receives the sequence
// and time before the message is encoded, so the message can carry them
// (the chat example's Message.Sequence and Timestamp):
//
//	seq, err := h.Publish(ctx, "general", func(seq int64, at time.Time) (any, error) {
//		return &chat.Message{Room: "general", Text: text, Sequence: seq, Timestamp: at.Format(time.RFC3339)}, nil
//	})
//
// The default MemoryBroker assigns sequences under a per-room lock and
// delivers synchronously, so on one machine ordering costs one mutex. A NATS
// JetStream broker fits the same interface with one stream per room (subject
// "duplex.room.<room>"), so the stream sequence is the room's sequence and is
// consecutive. Its Publish reads the stream's last sequence L, calls
// build(L+1, now) and publishes with the header Nats-Expected-Last-Sequence: L;
// on a "wrong last sequence" conflict (another node published first) it
// reads L again and calls build again, which is why build must have no side
// effects. Its Subscribe is an ordered consumer on the room's stream delivering
// envelopes in order; they arrive without a Go value, so a Hub on a
// multi-node deployment is given WithDecoder to turn the JSON back into the
// application's type for views and History. Durable history after a restart
// (chatd -data) is the stream's, replayed by such a broker; the Hub's own
// history is an in-memory window.
//
// # History, resumption and presence across nodes
//
// A broker may offer more than ordering, through two optional interfaces
// the Hub looks for (natsbroker.Broker implements both):
//
//   - HistoryBroker stores each room's messages. HistoryContext then reads
//     them when the Hub's window does not reach back far enough or the Hub
//     does not hold the room (after a restart), JoinAfter catches a
//     resuming member up from them, and a room the Hub creates continues
//     from the stored last sequence.
//   - PresenceBroker tracks members across nodes. The Hub records its
//     members there, forwards the join and leave events of other nodes'
//     members to its own members (PresenceEvent.Node says where, and
//     Expired marks the members of a node that died), and Members lists
//     every node's members.
//
// JoinAfter works with any broker: a client that saw sequence N rejoins
// (on this node or another) and is handed every later message once, in
// order, then live ones. With the MemoryBroker only the Hub's window is
// available, so a client further behind misses what fell out of it.
//
// Without a PresenceBroker presence is per process: join and leave events
// go to the members of this Hub only.
//
// Join and leave events are sent only by a Hub created WithPresenceEvent,
// which renders them as values of the room's message type; by default
// members receive only published messages, so a typed client never meets a
// frame of another shape. Members lists who is present either way.
//
// # What it is not
//
// The Hub is not a connection: it does not read, write, ping or time out
// anything. The WebSocket runtime owns connections and their send queues;
// the Hub only hands them frames. It does not authenticate or authorise
// members either; the service does that before calling Join.
package hub
