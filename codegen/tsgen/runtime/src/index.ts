// @duplex-dev/client: the runtime of the TypeScript clients that
// `duplex gen` writes into gen/ts. Generated files import it; applications
// import their generated client, which re-exports everything here.
//
// HTTP calls with fetch, WebSocket streams with reconnection (exponential
// backoff with full jitter, across several servers), the resumable
// duplex.v1 protocol and message validation. It depends on nothing but the
// global fetch and WebSocket of browsers and Node ≥ 22, or a WebSocket
// given in ClientOptions (e.g. from the "ws" package).

export { CloseError, HTTPError, ValidationError, parseRetryAfter, retryableCode, retryableStatus } from './errors.ts';
export { backoff, defaultRetryPolicy } from './retry.ts';
export type { RetryPolicy } from './retry.ts';
export { validate } from './validate.ts';
export type { Schema } from './validate.ts';
export type { WebSocketConstructor } from './dial.ts';
export { Transport, basicAuth, bearer } from './transport.ts';
export type { CallOptions, ClientOptions, Request } from './transport.ts';
export { Stream } from './stream.ts';
export type { BidiStream, Carrier, ClientStream, ConnectionState, ServerStream, StreamOptions, StreamSpec } from './stream.ts';
