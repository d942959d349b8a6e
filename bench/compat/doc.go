// Package compat holds the wire-compatibility tests between Duplex and Goa
// (DESIGN.md, "Compatibility contract"): the client Goa v3 generates for the
// bench design drives the server Duplex generates for the same design, and
// the client Duplex generates drives Goa's server, for every method of the
// design (unary publish, client→server stream with a result, server→client
// stream to its end, bidirectional echo, a room stream, and a OneOf union
// in a unary body and on a bidirectional stream), with the same-framework
// pairs run alongside as controls. The intercept service of the same design
// adds interceptors on both sides (one Goa implementation, built against
// each framework's generated package) and a stream in a view the server
// picks with SetView. The Files of the bench design (design/static) are
// fetched from both servers and compared, with traversal attempts
// (files_test.go; Goa's answers for /index.html and a directory differ and
// are pinned there). The design's GRPC block on publish makes Goa generate
// a gRPC transport too (goa/gen/grpc, built with the module); Duplex skips
// it with a warning (duplex.TestGenWarnsAboutGRPC), so the gRPC transport
// has no cross-framework test here: the HTTP/WebSocket pairs above are the
// contract.
//
// It has no code outside its tests; it is not a client library.
package compat
