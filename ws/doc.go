// Package ws is Duplex's WebSocket runtime: the server that generated
// stream handlers run on (Server, configured by one Config whose zero
// fields take DefaultConfig's values, per method too; Conn, one stream's
// connection) and the Go client that generated clients use (Dial,
// ClientConn, reconnection with backoff). It is not a general WebSocket
// library (see the end of this comment).
//
// The server does what users of other WebSocket stacks write by hand:
// every connection has an id and is registered while alive; the handler's
// context ends when the peer leaves, misses its heartbeat, or the server
// shuts down; each connection has one writer draining a bounded send queue
// (Send is safe from many goroutines) with an explicit slow-consumer
// policy; bad input is answered with the close code a client can act on
// (1007 malformed JSON, failed validation or text that is not UTF-8;
// 1002 a close reason that is not UTF-8; 1003 binary frames, 1009 too
// big, 1011 handler panic); requests are refused as HTTP before the upgrade
// (426 not WebSocket, 403 cross-origin, 503/429 over limits); Shutdown sends
// 1001 to every stream and waits for the handlers; slog events and
// Prometheus metrics (NewMetrics) report all of it.
//
// Back-pressure: each connection has a bounded send queue drained by one
// writer goroutine (running only while there is something to write). The
// writer takes every queued frame at once, writes them back to back and
// hands the batch to the socket in one write, not one per message. The
// first Send answering a received frame skips the queue when it is empty
// and no more input waits: the handler writes it itself.
//
// Reading: a reader goroutine reads frames (so that a handler that only
// sends still sees pings, pongs and the peer leaving) from 20 ms after the
// upgrade, unless the handler is in Receive with its own context by then
// (at once when Receive made the upgrade), and until the handler waits
// there; from then on the handler reads the socket itself, and an idle
// connection, silent from the start or not, costs one goroutine, not two. When the handler stays away from Receive for 20 ms,
// the reader goroutine takes over again. On unix an idle connection holds
// no read buffer either: bytes are read into a pooled 4 KB chunk only once
// the socket is readable, and the chunk goes back to the pool when drained.
// The handler runs on a goroutine of its own, and Server.Handle returns at
// the upgrade: net/http's goroutine and request are let go, and an idle
// handler waits for the socket just below Receive, where its stack is
// small enough for the garbage collector to halve it to 4 KB.
// Conn.Send, used by a stream's single producer, waits for room when the
// queue is full, so a handler streaming thousands of events is paced by
// the client instead of disconnected; it gives up when its ctx ends, and
// after the write timeout it treats the peer as a slow consumer.
// Conn.SendRaw, used for fan-out (hub broadcasts), never waits: a full
// queue applies the endpoint's SlowConsumer policy at once, Disconnect
// (close 4000 "slow consumer: …", the client reconnects and catches up)
// or DropOldest.
//
// The upgrade is lazy, as in Goa: a handler may still fail with an HTTP
// error (401, 400 …) until its first Send or Receive.
//
// Wire format: one JSON document per text frame; a client ends its side
// with a JSON null frame; the server ends a stream with a 1000 close. Close
// codes 4000–4499 tell clients to reconnect, 4500–4999 not to.
//
// It is not a general WebSocket library: there is no binary message API and
// no framing of its own (github.com/coder/websocket does the protocol, and
// can be replaced without changing generated code). Rooms and broadcast
// live in duplex.dev/hub, which calls Conn.SendRaw.
package ws
