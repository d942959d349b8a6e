// Package sse carries server→client streams as Server-Sent Events
// (text/event-stream, WHATWG HTML §9.2): the fallback for clients whose
// path to the server strips WebSocket upgrades or kills long-lived
// WebSockets, and what a browser's EventSource reads with no library.
//
// A Conn is one event-stream response: the carrier. It has the operations
// every carrier of a Duplex stream has — send a frame (Send, SendRaw),
// receive one (Receive, which always fails: the client sends nothing on an
// event stream), close with a code and a reason (Close), liveness (Context,
// Done) and the peer's identity (ID, Request) — and the WebSocket's
// behaviour: a bounded send queue drained by one writer with the
// endpoint's slow-consumer policy, heartbeats (comment lines), a write
// timeout, shutdown, metrics and logs, all read from the ws.Server the
// endpoint belongs to (ws.Server.Carrier), so that a limit is written in
// one place.
//
// A Stream, what Server.Handle gives a handler, is the stream's carrier
// as the runtime's one stream sees it (transport.Carrier: Send, Close with
// a code and a reason, Fail, Context, Request; ReceiveRaw returns io.EOF):
// a plain response's Conn, or on a resumable method the session its events
// go into. Generated code never sees it: transport.StreamOrEvents runs the
// method on a transport.ServerStream over it, with the same views,
// validation and errors as on a WebSocket.
//
// The wire (docs/protocol.md, "Server-Sent Events"): one event per message,
// its data the message's JSON document on one line; on a resumable method
// each event has an id, "<session>.<sequence>", and a client that
// reconnects with Last-Event-ID gets exactly the events after it; the
// server ends a stream with a last event of type "end" whose data is
// {"code":…,"reason":…}, the code a WebSocket close would carry.
//
// It is not an EventSource client and does not serve client→server
// streams: a method with a StreamingPayload needs a WebSocket.
package sse
