// The errors a client throws, and the one rule that says which of them a
// client retries (docs/protocol.md 1.4).
/** Thrown when a message fails the design's validation. */
export class ValidationError extends Error {
    /** Path of the offending attribute, e.g. "payload.text". */
    attribute;
    constructor(attribute, message) {
        super(`${attribute}: ${message}`);
        this.name = 'ValidationError';
        this.attribute = attribute;
    }
}
/**
 * Thrown when the server answers an HTTP request with an error status: a
 * unary call, or the upgrade request of a stream that the server refused
 * (for example 401 for a bad token, 400 for a bad parameter).
 */
export class HTTPError extends Error {
    /** HTTP status code. */
    status;
    /** Design error name from the goa-error header, or "". */
    errorName;
    /** Decoded JSON body, or the body text (undefined when it could not be read). */
    body;
    /** Milliseconds the server asked to wait with Retry-After, or undefined. */
    retryAfter;
    constructor(status, errorName, body, retryAfter) {
        const text = body === undefined ? '' : `: ${typeof body === 'string' ? body.trim() : JSON.stringify(body)}`;
        super(`HTTP ${status}${errorName ? ` (${errorName})` : ''}${text}`);
        this.name = 'HTTPError';
        this.status = status;
        this.errorName = errorName;
        this.body = body;
        this.retryAfter = retryAfter;
    }
    /** Whether the request may succeed later: 429, 502, 503 and 504. */
    get retryable() {
        return retryableStatus(this.status);
    }
}
/** Ends a stream that the connection closed with an error code. */
export class CloseError extends Error {
    /** WebSocket close code (1006 when the connection dropped or never opened). */
    code;
    /** Close reason sent by the server. */
    reason;
    constructor(code, reason) {
        super(`websocket closed with ${code}${reason ? `: ${reason}` : ''}`);
        this.name = 'CloseError';
        this.code = code;
        this.reason = reason;
    }
    /** Whether a client should reconnect after this close (docs/protocol.md 1.4). */
    get retryable() {
        return retryableCode(this.code);
    }
}
/** Reports whether a close code means "reconnect with backoff". */
export function retryableCode(code) {
    return [1001, 1006, 1011, 1012, 1013, 1014].includes(code) || (code >= 4000 && code <= 4499);
}
/** Reports whether an HTTP status means "try again later": 429, 502, 503 and 504. */
export function retryableStatus(status) {
    return status === 429 || status === 502 || status === 503 || status === 504;
}
/**
 * Returns the delay a Retry-After header value asks for, in milliseconds
 * (seconds or an HTTP date), or undefined when value is absent or invalid.
 */
export function parseRetryAfter(value, now = Date.now()) {
    if (value === null || value === undefined)
        return undefined;
    const v = value.trim();
    if (/^\d+$/.test(v))
        return Number(v) * 1000;
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
