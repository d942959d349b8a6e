// Package tsgen generates the TypeScript client of a design in gen/ts/: a
// runtime (duplex.ts: fetch for unary methods, WebSocket streams with
// reconnection, the resumable duplex.v1 protocol and message validation)
// and one file per service (<service>.ts) with an interface per type, the
// design's validation rules as data and a Client class with one typed
// function per method.
//
// Using the chat example's client (compile with lib "dom" for the fetch and
// WebSocket types; on Node 20 assign globalThis.WebSocket from the "ws"
// package first):
//
//	import { Client, ValidationError } from './gen/ts/chat.js';
//	const c = new Client('http://localhost:8080');
//	const token = await c.login({ user: 'alice', password: 'secret' });
//	for await (const ev of c.join({ token, room: 'lobby' })) console.log(ev.kind, ev.user);
//	const echo = c.echo();             // bidirectional: send and iterate
//	echo.send({ message: 'hi' });      // throws ValidationError before sending an invalid message
//	echo.close();                      // JSON null: the client is done sending
//
// Streams reconnect with exponential backoff and full jitter
// (docs/protocol.md 1.6; on by default for server streams), report their
// state to StreamOptions.onState, re-subscribe with
// StreamOptions.resubscribe, and speak duplex.v1 for resumable methods when
// the server accepts it.
//
// The output depends on nothing but the global fetch and WebSocket of
// browsers and Node. The package generates sources only: compiling them
// (tsc, a bundler) is the application's business.
package tsgen
