// Package transport is the small HTTP runtime shared by generated unary HTTP
// servers and clients: JSON request and response bodies, path, query and
// header parameter parsing with errors that name the parameter, security
// credential extraction, and Goa's error response shape with its status
// mapping.
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
