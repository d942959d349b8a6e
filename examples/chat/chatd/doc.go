// Package chatd wires the chat example into a server: the generated
// HTTP/WebSocket handlers over examples/chat/service, the web page at "/",
// Prometheus metrics at /metrics, liveness at /healthz, readiness at
// /readyz (503 while the NATS broker is disconnected or restoring what a
// restarted server lost; gauge chatd_ready) and graceful shutdown. cmd/chatd is a thin
// main around Run; tests start it with Serve on a listener of their own
// (127.0.0.1:0), several at once if they like.
//
// Where the rooms live is chosen in Config and said at start-up:
//
//   - nothing set: the in-memory broker, in this process only; history and
//     sequences do not survive a restart;
//   - DataDir (chatd -data DIR): an embedded single-node NATS JetStream
//     server with file storage in DIR runs inside chatd, so rooms' history
//     and sequences survive a restart on the same directory;
//   - NATSURL (chatd -nats URL): rooms on an existing NATS cluster, shared
//     by every chatd given the same URL (one order per room, presence
//     across nodes, resumption on any node);
//   - Broker: a broker the caller made and owns, for tests and embedding.
//
// Shutdown releases what New started: broker, NATS connection, embedded
// server. It is not where the chat logic lives (see the service package),
// and it does not run or configure a NATS cluster (see docs/scaling.md).
package chatd
