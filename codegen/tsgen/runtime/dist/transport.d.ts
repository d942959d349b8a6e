import type { RetryPolicy } from './retry.ts';
import type { WebSocketConstructor } from './dial.ts';
import { Stream } from './stream.ts';
import type { StreamOptions, StreamSpec } from './stream.ts';
/** Options of a Client. */
export interface ClientOptions {
    /** fetch implementation (default globalThis.fetch). */
    fetch?: typeof fetch | undefined;
    /** WebSocket constructor (default globalThis.WebSocket). */
    WebSocket?: WebSocketConstructor | undefined;
    /** Headers added to every HTTP request. */
    headers?: Record<string, string> | undefined;
    /** Reconnection policy of streams (fields default to defaultRetryPolicy). */
    retry?: Partial<RetryPolicy> | undefined;
    /** Validate outgoing and incoming messages (default true). */
    validate?: boolean | undefined;
}
/** Options of one unary call. */
export interface CallOptions {
    /** Cancels the request. */
    signal?: AbortSignal | undefined;
    /** Extra request headers. */
    headers?: Record<string, string> | undefined;
}
/** What generated code tells the transport about one request. */
export interface Request {
    method: string;
    path: string;
    query?: Record<string, unknown> | undefined;
    headers?: Record<string, string | undefined> | undefined;
    body?: unknown;
}
/** Returns the Authorization header value of HTTP basic authentication. */
export declare function basicAuth(user: string, password: string): string;
/** Returns the Authorization header value for a bearer token. */
export declare function bearer(token: string): string;
/**
 * Sends requests and opens streams for a generated Client. Given several
 * base URLs (servers of one service), it uses the one that last worked and
 * moves to the next when a connection fails.
 */
export declare class Transport {
    private readonly bases;
    private preferred;
    private readonly opts;
    readonly validate: boolean;
    constructor(baseURL: string | readonly string[], opts?: ClientOptions);
    /** The number of servers. */
    get servers(): number;
    /** The index of the server new requests go to first. */
    get current(): number;
    /** Records that server i worked (a stream opened, a request was answered). */
    worked(i: number): void;
    /** Returns the URL of req on server i (ws: with the ws or wss scheme). */
    url(req: Request, i: number, ws: boolean): string;
    /** Returns the headers of req, after the client's own. */
    headers(req: Request, extra?: Record<string, string>): Record<string, string>;
    /**
     * Sends a unary request and returns the decoded JSON response (undefined
     * when empty). When the server cannot be reached, an idempotent request
     * (GET, HEAD, OPTIONS, PUT, DELETE) is sent to the next server; any other
     * is not, since it may have reached the server, and the next call goes
     * to the next server. Any other request carries an Idempotency-Key (a
     * new random one per call, unless the call's headers give one), so that a
     * caller who retries it with the same key is not served twice.
     */
    unary(req: Request, call?: CallOptions): Promise<unknown>;
    /** Opens a stream. */
    stream<T, R, P = unknown>(spec: StreamSpec<P>, opts?: StreamOptions<P>): Stream<T, R, P>;
}
