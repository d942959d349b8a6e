// Package httpgen generates the HTTP and WebSocket transport of every
// service of a design: gen/http/<service>/server (handlers that decode path,
// query, header and credential parameters before the WebSocket upgrade, and
// stream types over duplex.dev/transport), gen/http/<service>/client (unary
// requests and WebSocket streams implementing the service's client stream
// interfaces) and gen/http/cli/<api> (a command line client that streams JSON
// lines).
//
// Its templates read a small model (data.go) that model.go builds from
// expr; names of the service package come from package service, so the two
// generators never disagree. The generated code stays thin: the WebSocket
// life cycle, limits and codecs live in packages ws and transport. It does
// not generate the service package itself (see package service).
package httpgen
