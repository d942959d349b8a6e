/** Thrown when a message fails the design's validation. */
export declare class ValidationError extends Error {
    /** Path of the offending attribute, e.g. "payload.text". */
    readonly attribute: string;
    constructor(attribute: string, message: string);
}
/**
 * Thrown when the server answers an HTTP request with an error status: a
 * unary call, or the upgrade request of a stream that the server refused
 * (for example 401 for a bad token, 400 for a bad parameter).
 */
export declare class HTTPError extends Error {
    /** HTTP status code. */
    readonly status: number;
    /** Design error name from the goa-error header, or "". */
    readonly errorName: string;
    /** Decoded JSON body, or the body text (undefined when it could not be read). */
    readonly body: unknown;
    /** Milliseconds the server asked to wait with Retry-After, or undefined. */
    readonly retryAfter: number | undefined;
    constructor(status: number, errorName: string, body: unknown, retryAfter?: number);
    /** Whether the request may succeed later: 429, 502, 503 and 504. */
    get retryable(): boolean;
}
/** Ends a stream that the connection closed with an error code. */
export declare class CloseError extends Error {
    /** WebSocket close code (1006 when the connection dropped or never opened). */
    readonly code: number;
    /** Close reason sent by the server. */
    readonly reason: string;
    constructor(code: number, reason: string);
    /** Whether a client should reconnect after this close (docs/protocol.md 1.4). */
    get retryable(): boolean;
}
/** Reports whether a close code means "reconnect with backoff". */
export declare function retryableCode(code: number): boolean;
/** Reports whether an HTTP status means "try again later": 429, 502, 503 and 504. */
export declare function retryableStatus(status: number): boolean;
/**
 * Returns the delay a Retry-After header value asks for, in milliseconds
 * (seconds or an HTTP date), or undefined when value is absent or invalid.
 */
export declare function parseRetryAfter(value: string | null | undefined, now?: number): number | undefined;
