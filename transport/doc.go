// Package transport is the small HTTP runtime shared by generated unary HTTP
// servers and clients: JSON request and response bodies, path, query and
// header parameter parsing with errors that name the parameter, security
// credential extraction, and Goa's error response shape with its status
// mapping.
//
// It is not a router (generated servers mount on net/http's ServeMux with Go
// 1.22 method and path patterns) and it knows nothing about WebSocket
// streams: those live in duplex.dev/ws.
package transport
