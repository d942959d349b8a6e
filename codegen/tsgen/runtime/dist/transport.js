// What generated clients call: unary requests with fetch, streams over
// WebSocket, against one server or several.
import { HTTPError, parseRetryAfter } from "./errors.js";
import { defaultRetryPolicy } from "./retry.js";
import { Stream } from "./stream.js";
/** Returns the Authorization header value of HTTP basic authentication. */
export function basicAuth(user, password) {
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    let bin = '';
    for (const b of bytes)
        bin += String.fromCharCode(b);
    return `Basic ${btoa(bin)}`;
}
/** Returns the Authorization header value for a bearer token. */
export function bearer(token) {
    return /^bearer /i.test(token) ? token : `Bearer ${token}`;
}
// Methods a failed connection may be retried with on the next server:
// sending them twice does no harm.
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/**
 * Sends requests and opens streams for a generated Client. Given several
 * base URLs (servers of one service), it uses the one that last worked and
 * moves to the next when a connection fails.
 */
export class Transport {
    bases;
    preferred = 0;
    opts;
    validate;
    constructor(baseURL, opts = {}) {
        const list = typeof baseURL === 'string' ? [baseURL] : [...baseURL];
        if (list.length === 0)
            throw new Error('duplex: no server URL');
        this.bases = list.map((u) => u.replace(/\/+$/, ''));
        this.opts = opts;
        this.validate = opts.validate ?? true;
    }
    /** The number of servers. */
    get servers() {
        return this.bases.length;
    }
    /** The index of the server new requests go to first. */
    get current() {
        return this.preferred;
    }
    /** Records that server i worked (a stream opened, a request was answered). */
    worked(i) {
        this.preferred = i % this.bases.length;
    }
    /** Returns the URL of req on server i (ws: with the ws or wss scheme). */
    url(req, i, ws) {
        let u = (this.bases[i % this.bases.length] ?? '') + req.path;
        if (ws)
            u = u.replace(/^http/, 'ws');
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query ?? {})) {
            if (v === undefined || v === null)
                continue;
            for (const x of Array.isArray(v) ? v : [v])
                q.append(k, String(x));
        }
        const qs = q.toString();
        return qs ? `${u}?${qs}` : u;
    }
    /** Returns the headers of req, after the client's own. */
    headers(req, extra) {
        const h = { ...this.opts.headers, ...extra };
        for (const [k, v] of Object.entries(req.headers ?? {}))
            if (v !== undefined)
                h[k] = v;
        return h;
    }
    /**
     * Sends a unary request and returns the decoded JSON response (undefined
     * when empty). When the server cannot be reached, an idempotent request
     * (GET, HEAD, OPTIONS, PUT, DELETE) is sent to the next server; any other
     * is not, since it may have reached the server, and the next call goes
     * to the next server. Any other request carries an Idempotency-Key (a
     * new random one per call, unless the call's headers give one), so that a
     * caller who retries it with the same key is not served twice.
     */
    async unary(req, call = {}) {
        const f = this.opts.fetch ?? globalThis.fetch;
        const headers = this.headers(req, call.headers);
        if (!idempotent.has(req.method.toUpperCase()) && !Object.keys(headers).some((k) => k.toLowerCase() === 'idempotency-key')) {
            headers['Idempotency-Key'] = idempotencyKey();
        }
        const init = { method: req.method, headers };
        if (req.body !== undefined) {
            init.body = JSON.stringify(req.body);
            headers['Content-Type'] = 'application/json';
        }
        if (call.signal !== undefined)
            init.signal = call.signal;
        let i = this.preferred;
        let res;
        for (let tried = 1;; tried++) {
            try {
                res = await f(this.url(req, i, false), init);
                break;
            }
            catch (e) {
                if (call.signal?.aborted || this.bases.length === 1)
                    throw e;
                i = (i + 1) % this.bases.length;
                this.preferred = i;
                if (!idempotent.has(req.method.toUpperCase()) || tried === this.bases.length)
                    throw e;
            }
        }
        this.preferred = i;
        const text = await res.text();
        let decoded = undefined;
        if (text !== '') {
            try {
                decoded = JSON.parse(text);
            }
            catch {
                decoded = text;
            }
        }
        if (!res.ok)
            throw new HTTPError(res.status, res.headers.get('goa-error') ?? '', decoded, parseRetryAfter(res.headers.get('retry-after')));
        return decoded;
    }
    /** Opens a stream. */
    stream(spec, opts = {}) {
        const WS = this.opts.WebSocket ?? globalThis.WebSocket;
        if (WS === undefined)
            throw new Error('duplex: no WebSocket: pass ClientOptions.WebSocket or set globalThis.WebSocket');
        const retry = { ...defaultRetryPolicy, ...definedFields(this.opts.retry), ...definedFields(opts.retry) };
        return new Stream(this, WS, this.opts.fetch, spec, opts, retry);
    }
}
// definedFields drops the fields set to undefined, so that they do not
// override a default when spread.
function definedFields(o) {
    const out = {};
    if (o === undefined)
        return out;
    for (const [k, v] of Object.entries(o))
        if (v !== undefined)
            out[k] = v;
    return out;
}
// idempotencyKey returns 128 random bits in hex, the key of one unary call.
function idempotencyKey() {
    const b = new Uint8Array(16);
    globalThis.crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
