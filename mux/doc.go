// Package mux carries many streams and unary calls of an API on one
// WebSocket per client: the multiplexed connection of docs/protocol.md,
// section 4, subprotocol duplex.mux.v1. (It is not the resumable session
// of package duplex.dev/ws/resume, duplex.v1: one stream that outlives its
// connections.)
//
// On the server, a Server routes each stream a client opens to the
// method's own handler (the generated server's, mounted on an
// http.ServeMux) as the stream's upgrade request would be routed, and
// carries it as a transport.Multiplexed stream: the method's parameters,
// credentials, validation, views, read limit, send queue, slow-consumer
// policy, metrics and close codes are its own. Each stream has its own
// credits, so that a consumer that stalls holds up its stream only.
//
// On the client, a Client opens streams on one connection (a
// transport.Opener: set it as a generated client's transport.Dialer.Mux)
// and tells the caller, with transport.ErrNotMultiplexed, when the server
// does not offer it, for the stream to get a socket of its own.
package mux
