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
import { HTTPError, parseRetryAfter } from "./errors.js";
const bodyLimit = 4096;
/** Decodes a refusal's body: JSON when it parses, else the text; undefined when empty. */
function decodeBody(text) {
    if (text === '')
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return text.trim();
    }
}
function header(headers, name) {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
}
/** Reports whether this is Node (Deno and Bun have process.versions.node too, and other WebSockets). */
function isNode() {
    return globalThis.navigator?.userAgent?.startsWith('Node.js/') === true;
}
/**
 * Node's global undici dispatcher, shared through this well-known symbol.
 * Node creates it when it loads undici, which reading globalThis.WebSocket
 * does (dial reads it first).
 */
function nodeDispatcher() {
    const d = globalThis[Symbol.for('undici.globalDispatcher.1')];
    return typeof d?.dispatch === 'function' ? d : undefined;
}
/** Reads the headers undici hands its handlers: a flat array of names and values, or an object. */
function undiciHeaders(raw) {
    const h = {};
    if (Array.isArray(raw)) {
        for (let i = 0; i + 1 < raw.length; i += 2)
            h[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
    }
    else if (typeof raw === 'object' && raw !== null) {
        for (const [k, v] of Object.entries(raw))
            h[k.toLowerCase()] = String(Array.isArray(v) ? v[0] : v);
    }
    return h;
}
/**
 * Opens a WebSocket to url with WS. headers travel with the upgrade where
 * the implementation can send them (the "ws" package, Node's built-in
 * WebSocket); browsers cannot.
 */
export function dial(WS, url, protocols, headers, fetcher) {
    const isEmitter = typeof WS.prototype?.on === 'function';
    if (isEmitter)
        return dialEmitter(WS, url, protocols, headers);
    if (WS === globalThis.WebSocket && isNode()) {
        return dialNodeBuiltin(WS, url, protocols, headers, fetcher);
    }
    const ws = new WS(url, protocols);
    return { ws, refusal: () => probe(fetcher, url, headers) };
}
// dialEmitter serves the "ws" package: its unexpected-response event has
// the refused upgrade's response; the socket is then terminated, which
// fires error and close like any failed connection.
function dialEmitter(WS, url, protocols, headers) {
    const ws = new WS(url, protocols, { headers });
    let refused;
    const socket = ws;
    socket.on('unexpected-response', (_req, resArg) => {
        const res = resArg;
        const status = res.statusCode ?? 0;
        let text = '';
        const done = () => {
            refused ??= new HTTPError(status, header(res.headers, 'goa-error') ?? '', decodeBody(text.slice(0, bodyLimit)), parseRetryAfter(header(res.headers, 'retry-after')));
            socket.terminate();
        };
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
            if (text.length < bodyLimit)
                text += String(chunk);
        });
        res.on('end', done);
        res.on('error', done);
    });
    return { ws, refusal: () => Promise.resolve(refused) };
}
// dialNodeBuiltin serves Node's built-in WebSocket (undici): it accepts
// headers and a dispatcher in an options object, and the dispatcher sees
// the upgrade's response status before the socket reports its error.
function dialNodeBuiltin(WS, url, protocols, headers, fetcher) {
    const base = nodeDispatcher();
    let status = 0;
    let got = {};
    const init = { protocols };
    if (Object.keys(headers).length > 0)
        init.headers = headers;
    if (base !== undefined) {
        init.dispatcher = {
            dispatch(options, handler) {
                const seen = (s, raw) => {
                    if (s !== 101) {
                        status = s;
                        got = undiciHeaders(raw);
                    }
                };
                const wrapped = Object.create(handler);
                if (handler.onHeaders !== undefined) {
                    const next = handler.onHeaders;
                    wrapped.onHeaders = function (s, raw, ...rest) {
                        seen(s, raw);
                        return next.call(this, s, raw, ...rest);
                    };
                }
                if (handler.onResponseStart !== undefined) {
                    const next = handler.onResponseStart;
                    wrapped.onResponseStart = function (c, s, raw, ...rest) {
                        seen(s, raw);
                        return next.call(this, c, s, raw, ...rest);
                    };
                }
                return base.dispatch(options, wrapped);
            },
        };
    }
    const ws = new WS(url, init);
    return {
        ws,
        refusal: () => {
            if (base === undefined)
                return probe(fetcher, url, headers);
            if (status === 0)
                return Promise.resolve(undefined);
            return Promise.resolve(new HTTPError(status, got['goa-error'] ?? '', undefined, parseRetryAfter(got['retry-after'])));
        },
    };
}
// probe asks the server, with a plain GET of the upgrade's URL, what it
// answers: 426 (or success) means it would have taken the upgrade, so the
// cause is unknown and the failure counts as a dropped connection.
async function probe(fetcher, url, headers) {
    const f = fetcher ?? globalThis.fetch;
    if (f === undefined)
        return undefined;
    try {
        const res = await f(url.replace(/^ws/, 'http'), { headers, signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.ok || res.status === 426)
            return undefined;
        return new HTTPError(res.status, res.headers.get('goa-error') ?? '', decodeBody(text.slice(0, bodyLimit)), parseRetryAfter(res.headers.get('retry-after')));
    }
    catch {
        return undefined;
    }
}
