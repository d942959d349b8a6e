// Package mux carries many streams and unary calls of an API on one
// WebSocket per client: the multiplexed connection of docs/protocol.md,
// section 4, subprotocol duplex.mux.v1. (It is not the resumable session
// of package duplex.dev/ws/resume, duplex.v1: one stream that outlives its
// connections.)
//
// On the server, a Server routes each stream a client opens to the
// method's own handler (the generated server's, mounted on an
// http.ServeMux) as the stream's upgrade request would be routed, and
// carries it on the connection: the method's parameters,
// credentials, validation, views, read limit, send queue, slow-consumer
// policy, metrics and close codes are its own. Each stream has its own
// credits, so that a consumer that stalls holds up its stream only.
//
// On the client, a Client, the Transport of a generated client's HTTP
// client, opens its streams and sends its unary calls on one connection,
// and falls back to a socket per stream and HTTP per call when the server
// does not offer it (a Goa server, a Duplex server without the endpoint).
package mux
