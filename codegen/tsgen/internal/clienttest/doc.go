// Package clienttest runs the generated TypeScript client against real
// chat servers (duplex.dev/examples/chat/chatd, in process) under faults
// that the client must survive or report: a server restart, a refused
// upgrade with Retry-After, a stream the server ends right after every
// upgrade, several servers of which one is down. faults.test.ts runs under
// Node 22's type stripping, with Node's built-in WebSocket and with the
// "ws" package. It has no code of its own; it is a package apart so that
// the tsgen tests do not depend on the example.
package clienttest
