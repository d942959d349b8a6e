// Package transport is the runtime that generated HTTP servers, clients and
// command-line clients call, so that they stay small: unary handlers and
// requests (JSON bodies, path, query, header and cookie parameters with
// errors that name the parameter, credentials, Goa's error response shape
// and its status mapping), the one typed stream of streaming methods, and
// the command-line client's flags and JSON lines.
//
// For streaming methods it holds the one typed stream of the runtime:
// ServerStream and ClientStream, generic over the message types, satisfy
// the generated Goa-shaped stream interfaces directly. Stream serves a
// method (failures before the upgrade become HTTP errors) and Dial opens
// one; resumption (duplex.v1) is a layer either is configured with, and
// what moves the frames is a Carrier (carrier.go): the per-call WebSocket
// today, Server-Sent Events and multiplexed sessions next.
//
// Generated command-line clients run on MainCLI (the flags every CLI shares:
// -url, -timeout, -verbose; usage and exit codes), ParseFlags, and SendLines,
// PrintLines and Converse, which stream stdin and stdout as JSON lines and
// stop at the first bad line, naming it.
//
// It is not a router (generated servers mount on net/http's ServeMux with Go
// 1.22 method and path patterns) and it owns no connection: the WebSocket
// life cycle, limits and heartbeats live in duplex.dev/ws.
package transport
