// Opening a WebSocket with whatever implementation the client was given,
// and learning why the server refused an upgrade. Browsers hide a refused
// upgrade's HTTP status from scripts (the socket reports "error" and a
// close 1006), and Node's built-in WebSocket reports "error" and no close
// at all; the status decides whether retrying can help, so each kind of
// WebSocket gets the most direct way to see it:
//
//   - the "ws" package: its unexpected-response event (status, headers, body);
//   - Node's built-in WebSocket: a dispatcher wrapped around Node's own that
//     sees the response status and headers of the upgrade request;
//   - anything else (browsers): a plain GET of the same URL over http(s),
//     made only after a connection failed before opening. A Duplex server
//     answers it as it would have answered the upgrade up to the handshake
//     itself (a bad parameter: 400; the handler's refusal, such as 401 for
//     bad credentials; 429 and 503), then 426; a server that refuses only
//     real upgrades leaves the failure a dropped connection (1006), retried
//     with backoff.

import { HTTPError, parseRetryAfter } from './errors.ts';

/** The WebSocket constructor the client uses. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: unknown) => WebSocket;

/** A WebSocket being opened, and how to learn why it failed before opening. */
export interface Dialed {
  readonly ws: WebSocket;
  /**
   * Resolves with the server's refusal of the upgrade, or undefined when
   * the server was not reached or did not refuse (a network failure).
   * Call it only after the socket failed before opening.
   */
  refusal(): Promise<HTTPError | undefined>;
}

type Listener = (...args: unknown[]) => void;

interface EventEmitterLike {
  on(event: string, listener: Listener): unknown;
}

interface IncomingLike extends EventEmitterLike {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: string): unknown;
}

interface UndiciHandler {
  onHeaders?: (status: number, raw: unknown, ...rest: unknown[]) => unknown;
  onResponseStart?: (controller: unknown, status: number, headers: unknown, ...rest: unknown[]) => unknown;
}

interface Dispatcher {
  dispatch(options: unknown, handler: UndiciHandler): unknown;
}

const bodyLimit = 4096;

/** Decodes a refusal's body: JSON when it parses, else the text; undefined when empty. */
function decodeBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reports whether this is Node (Deno and Bun have process.versions.node too, and other WebSockets). */
function isNode(): boolean {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent?.startsWith('Node.js/') === true;
}

/**
 * Node's global undici dispatcher, shared through this well-known symbol.
 * Node creates it when it loads undici, which reading globalThis.WebSocket
 * does (dial reads it first).
 */
function nodeDispatcher(): Dispatcher | undefined {
  const d = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
  return typeof (d as Dispatcher | undefined)?.dispatch === 'function' ? (d as Dispatcher) : undefined;
}

/** Reads the headers undici hands its handlers: a flat array of names and values, or an object. */
function undiciHeaders(raw: unknown): Record<string, string> {
  const h: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) h[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw)) h[k.toLowerCase()] = String(Array.isArray(v) ? v[0] : v);
  }
  return h;
}

/**
 * Opens a WebSocket to url with WS. headers travel with the upgrade where
 * the implementation can send them (the "ws" package, Node's built-in
 * WebSocket); browsers cannot.
 */
export function dial(WS: WebSocketConstructor, url: string, protocols: string[], headers: Record<string, string>, fetcher: typeof fetch | undefined): Dialed {
  const isEmitter = typeof (WS.prototype as Partial<EventEmitterLike> | undefined)?.on === 'function';
  if (isEmitter) return dialEmitter(WS, url, protocols, headers);
  if (WS === (globalThis as { WebSocket?: unknown }).WebSocket && isNode()) {
    return dialNodeBuiltin(WS, url, protocols, headers, fetcher);
  }
  const ws = new WS(url, protocols);
  return { ws, refusal: () => probe(fetcher, url, headers) };
}

// dialEmitter serves the "ws" package: its unexpected-response event has
// the refused upgrade's response; the socket is then terminated, which
// fires error and close like any failed connection.
function dialEmitter(WS: WebSocketConstructor, url: string, protocols: string[], headers: Record<string, string>): Dialed {
  const ws = new WS(url, protocols, { headers });
  let refused: HTTPError | undefined;
  const socket = ws as unknown as EventEmitterLike & { terminate(): void };
  socket.on('unexpected-response', (_req: unknown, resArg: unknown) => {
    const res = resArg as IncomingLike;
    const status = res.statusCode ?? 0;
    let text = '';
    const done = () => {
      refused ??= new HTTPError(status, header(res.headers, 'goa-error') ?? '', decodeBody(text.slice(0, bodyLimit)), parseRetryAfter(header(res.headers, 'retry-after')));
      socket.terminate();
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: unknown) => {
      if (text.length < bodyLimit) text += String(chunk);
    });
    res.on('end', done);
    res.on('error', done);
  });
  return { ws, refusal: () => Promise.resolve(refused) };
}

// dialNodeBuiltin serves Node's built-in WebSocket (undici): it accepts
// headers and a dispatcher in an options object, and the dispatcher sees
// the upgrade's response status before the socket reports its error.
function dialNodeBuiltin(WS: WebSocketConstructor, url: string, protocols: string[], headers: Record<string, string>, fetcher: typeof fetch | undefined): Dialed {
  const base = nodeDispatcher();
  let status = 0;
  let got: Record<string, string> = {};
  const init: { protocols: string[]; headers?: Record<string, string>; dispatcher?: Dispatcher } = { protocols };
  if (Object.keys(headers).length > 0) init.headers = headers;
  if (base !== undefined) {
    init.dispatcher = {
      dispatch(options: unknown, handler: UndiciHandler): unknown {
        const seen = (s: number, raw: unknown) => {
          if (s !== 101) {
            status = s;
            got = undiciHeaders(raw);
          }
        };
        const wrapped: UndiciHandler = Object.create(handler) as UndiciHandler;
        if (handler.onHeaders !== undefined) {
          const next = handler.onHeaders;
          wrapped.onHeaders = function (this: unknown, s: number, raw: unknown, ...rest: unknown[]) {
            seen(s, raw);
            return next.call(this, s, raw, ...rest);
          };
        }
        if (handler.onResponseStart !== undefined) {
          const next = handler.onResponseStart;
          wrapped.onResponseStart = function (this: unknown, c: unknown, s: number, raw: unknown, ...rest: unknown[]) {
            seen(s, raw);
            return next.call(this, c, s, raw, ...rest);
          };
        }
        return base.dispatch(options, wrapped);
      },
    };
  }
  const ws = new (WS as unknown as new (url: string, init: object) => WebSocket)(url, init);
  return {
    ws,
    refusal: () => {
      if (base === undefined) return probe(fetcher, url, headers);
      if (status === 0) return Promise.resolve(undefined);
      return Promise.resolve(new HTTPError(status, got['goa-error'] ?? '', undefined, parseRetryAfter(got['retry-after'])));
    },
  };
}

// probe asks the server, with a plain GET of the upgrade's URL, what it
// answers: 426 (or success) means it would have taken the upgrade, so the
// cause is unknown and the failure counts as a dropped connection.
async function probe(fetcher: typeof fetch | undefined, url: string, headers: Record<string, string>): Promise<HTTPError | undefined> {
  const f = fetcher ?? globalThis.fetch;
  if (f === undefined) return undefined;
  try {
    const res = await f(url.replace(/^ws/, 'http'), { headers, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.ok || res.status === 426) return undefined;
    return new HTTPError(res.status, res.headers.get('goa-error') ?? '', decodeBody(text.slice(0, bodyLimit)), parseRetryAfter(res.headers.get('retry-after')));
  } catch {
    return undefined;
  }
}
