// @duplex-dev/client: the runtime of the TypeScript clients that
// `duplex gen` writes into gen/ts. Generated files import it; applications
// import their generated client, which re-exports everything here.
//
// HTTP calls with fetch, WebSocket streams with reconnection (exponential
// backoff with full jitter, across several servers), the resumable
// duplex.v1 protocol and message validation. It depends on nothing but the
// global fetch and WebSocket of browsers and Node ≥ 22, or a WebSocket
// given in ClientOptions (e.g. from the "ws" package).
export { CloseError, HTTPError, ValidationError, parseRetryAfter, retryableCode, retryableStatus } from "./errors.js";
export { backoff, defaultRetryPolicy } from "./retry.js";
export { validate } from "./validate.js";
export { Transport, basicAuth, bearer } from "./transport.js";
export { Stream } from "./stream.js";
