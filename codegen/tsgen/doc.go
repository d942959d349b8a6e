// Package tsgen generates the TypeScript client of a design in gen/ts/:
// one file per service (<service>.ts) with an interface per type, the
// design's validation rules as data and a Client class with one typed
// function per method. The files import the runtime package
// @duplex-dev/client (RuntimePackage), whose sources are in runtime/ (an
// ES module package with its compiled dist/ committed): fetch for unary
// methods, WebSocket streams with reconnection across one or several
// servers, the resumable duplex.v1 protocol and message validation. A
// project installs it next to the generated files, for example with
// `npm install <path of the duplex checkout>/codegen/tsgen/runtime`.
//
// Using the chat example's client (on Node ≥ 22 or in a browser; the
// files pass tsc --strict with noUncheckedIndexedAccess,
// exactOptionalPropertyTypes and erasableSyntaxOnly, and run under Node's
// type stripping):
//
//	import { Client, ValidationError } from './gen/ts/chat.ts';
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
// the server accepts it. A refused upgrade ends a stream with an HTTPError
// carrying the status, unless the status says to come back later (429,
// 503: the delay honours Retry-After).
//
// The package generates sources only: compiling them (tsc, a bundler) is
// the application's business.
package tsgen
