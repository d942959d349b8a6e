// Package natsbroker carries a hub.Hub's rooms across processes on NATS
// JetStream, so that several chatd nodes behind a load balancer share
// rooms: a message published on one node reaches the members on every node,
// in the same order, with the same consecutive sequence numbers.
//
// # Ordering
//
// Each room is one JetStream stream (DUPLEX_ROOM_<room>) with one subject
// (duplex.room.<room>), so the stream's sequence is the room's sequence.
// Publish reads the last sequence L, calls build(L+1, now) and publishes
// with Nats-Expected-Last-Sequence: L; when another node appended first the
// server refuses, and Publish reads L again and calls build again. This
// node's publishers of one room take turns, so only nodes compete. Subscribe
// is an ordered consumer: every subscriber on every node receives the
// room's messages in stream order, without gaps.
//
// Room and member names made of letters, digits, '-' and '_' appear as they
// are in subjects, stream names and keys; others are base64url-encoded
// after '='.
//
// # History and resumption
//
// The stream is the room's durable history, bounded by WithRoomLimits.
// History returns stored messages after a sequence and SubscribeAfter
// replays them and then continues live. Broker is a hub.HistoryBroker, so
// a hub.Hub on it serves that history in Hub.HistoryContext, and a client
// that reconnects to any node resumes from the last sequence it saw
// without loss with Hub.JoinAfter.
//
// # Presence
//
// Presence keeps one key-value entry per member, refreshed by its node's
// heartbeat and expiring after the presence timeout, so the members of a
// node that dies leave every other node's presence within the timeout.
// Broker is a hub.PresenceBroker: a hub.Hub on it records its members,
// lists every node's members in Hub.Members and tells its members of
// other nodes' joins and leaves (hub.PresenceEvent.Expired for a dead
// node's).
//
// # Faults
//
// When NATS restarts or is unreachable, nats.go reconnects; the Broker logs
// the connection's changes (WithLogger), reports them in Ready, and after a
// reconnect restores what a restarted server lost: the presence bucket
// (memory storage), its watcher and this node's entries, and room streams
// with memory storage (created again on the next publish, continuing the
// sequence). See docs/scaling.md.
//
// # Embedded server
//
// RunEmbedded runs a single-node JetStream server with file storage inside
// the process, for one machine that must keep history across restarts
// (chatd -data DIR).
//
// # What it is not
//
// It is not a cluster protocol or a broker of its own: NATS does the
// replication, ordering and storage, and a NATS cluster (with stream
// replicas) is what makes it survive the loss of a server. It does not
// decode messages (see hub.WithDecoder) and holds no connections to
// clients. Each room is a stream with its own cost on the servers, so it
// suits long-lived rooms better than millions of short-lived ones.
package natsbroker
