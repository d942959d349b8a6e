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
// picks with SetView.
//
// It has no code outside its tests; it is not a client library.
package compat
