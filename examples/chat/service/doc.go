// Package service implements the chat service of examples/chat/design on
// top of duplex.dev/hub: logins that exchange a password for an HS256 JWT,
// rooms with presence, ordered history and live messages (join, send,
// history), the guide's three streaming patterns (listener, subscribe,
// echo) and an analytics stream rendered in the view the client asks for.
//
// Where rooms live is the hub's broker's business: with the default
// in-memory broker everything is in one process and history does not
// survive a restart; with a NATS broker (natsbroker, which chatd -nats and
// -data set up) several nodes share rooms, join with "after" resumes on any
// node from the stored history, history survives restarts, and presence
// events name the member's node and say when a dead node's members
// expired. HubOptions are what a Hub given to the service needs either way.
//
// It is not a transport: cmd/chatd mounts the generated HTTP/WebSocket
// server on it (see examples/chat/chatd), and it does not manage
// connections, which the WebSocket runtime owns.
package service
