// Package service implements the chat service of examples/chat/design on
// top of duplex.dev/hub: logins that exchange a password for an HS256 JWT,
// rooms with presence, ordered history and live messages (join, send,
// history), the guide's three streaming patterns (listener, subscribe,
// echo) and an analytics stream rendered in the view the client asks for.
//
// Everything lives in memory: history does not survive a restart. It is
// not a transport: cmd/chatd mounts the generated HTTP/WebSocket server on
// it (see examples/chat/chatd), and it does not manage connections, which
// the WebSocket runtime owns.
package service
