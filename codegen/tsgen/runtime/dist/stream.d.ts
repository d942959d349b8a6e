import { CloseError, HTTPError } from './errors.ts';
import type { RetryPolicy } from './retry.ts';
import type { WebSocketConstructor } from './dial.ts';
import type { Request, Transport } from './transport.ts';
/** State of a stream's connection, reported to StreamOptions.onState. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
/**
 * What carries a stream: a WebSocket, or Server-Sent Events, the fallback
 * of a server stream whose method allows it (SSEFallback in the design)
 * once WebSocket upgrades fail or are cut at once (docs/protocol.md 3).
 */
export type Carrier = 'websocket' | 'sse';
/** Options of one stream; P is the method's payload type. */
export interface StreamOptions<P = unknown> {
    /**
     * Reconnect after a retryable close (default: true for server streams and
     * resumable streams, false otherwise: on the default wire, messages sent
     * on a dropped connection may be lost).
     */
    reconnect?: boolean | undefined;
    /** Overrides the client's retry policy for this stream. */
    retry?: Partial<RetryPolicy> | undefined;
    /**
     * Called on every change of the connection state, with what caused a
     * reconnection: a close, or the HTTP refusal of an upgrade that may
     * succeed later (429, 503: the delay honours its Retry-After).
     */
    onState?: ((state: ConnectionState, cause?: CloseError | HTTPError, carrier?: Carrier) => void) | undefined;
    /** Closes the stream when aborted: iteration ends and yields nothing more. */
    signal?: AbortSignal | undefined;
    /** Disable the duplex.v1 resumable protocol even if the method supports it. */
    noResume?: boolean | undefined;
    /**
     * Stay on WebSockets even if the method can be read as Server-Sent
     * Events (no fallback).
     */
    noEventStream?: boolean | undefined;
    /**
     * Called before each reconnection (unless a duplex.v1 session resumes)
     * with the payload of the previous connection; returns the payload of the
     * next one, validated again. Use it to re-subscribe where the stream
     * stopped, e.g. with the last sequence number seen.
     */
    resubscribe?: ((payload: P) => P) | undefined;
}
/** A client-to-server stream: send messages, close, then await the result. */
export interface ClientStream<T, R> {
    /** Validates msg and sends it; throws ValidationError without sending when it is invalid. */
    send(msg: T): void;
    /** Ends the client's side of the stream (a JSON null); the result follows. */
    close(): void;
    /** Resolves with the server's result (undefined when the method has none). */
    readonly result: Promise<R>;
    /** Closes the connection at once (close 1000). */
    abort(): void;
    /** Current connection state. */
    readonly state: ConnectionState;
}
/** A server-to-client stream: iterate with for await. */
export interface ServerStream<R> extends AsyncIterable<R> {
    /** Stops the stream (close 1000); a pending iteration ends. */
    close(): void;
    /** Current connection state. */
    readonly state: ConnectionState;
    /** What carries the stream now: 'sse' once it fell back to Server-Sent Events. */
    readonly carrier: Carrier;
}
/** A bidirectional stream: send and iterate at the same time. */
export interface BidiStream<T, R> extends AsyncIterable<R> {
    /** Validates msg and sends it; throws ValidationError without sending when it is invalid. */
    send(msg: T): void;
    /** Ends the client's side (a JSON null); the server may still send. */
    close(): void;
    /** Closes the connection at once (close 1000). */
    abort(): void;
    /** Current connection state. */
    readonly state: ConnectionState;
}
/** What generated code tells the transport about one stream; P is the payload type. */
export interface StreamSpec<P = unknown> {
    request: Request;
    /** The payload the request was built from, given to StreamOptions.resubscribe. */
    payload?: P | undefined;
    /** Builds the request of a payload returned by StreamOptions.resubscribe. */
    rebuild?: ((payload: P) => Request) | undefined;
    /** Validates a payload returned by StreamOptions.resubscribe. */
    validatePayload?: ((payload: P) => void) | undefined;
    /** Design subprotocols, in order of preference. */
    subprotocols: string[];
    resumable: boolean;
    /** The streaming pattern: a client stream's one server message is its result. */
    kind: 'client' | 'server' | 'bidirectional';
    /** The server also serves the (server) stream as Server-Sent Events. */
    eventStream?: boolean | undefined;
    validateOut?: ((msg: unknown) => void) | undefined;
    validateIn?: ((msg: unknown) => void) | undefined;
}
/**
 * One stream over a WebSocket, reconnected as the options say. Generated
 * methods return it typed as ClientStream, ServerStream or BidiStream.
 */
export declare class Stream<T, R, P = unknown> implements ClientStream<T, R>, ServerStream<R>, BidiStream<T, R> {
    private readonly transport;
    private readonly WS;
    private readonly fetcher;
    private readonly spec;
    private readonly opts;
    private readonly retry;
    private ws;
    private readonly reconnect;
    private current;
    private everOpened;
    private attempt;
    private server;
    private failedInRow;
    private finished;
    private failure;
    private userClosed;
    private timer;
    private readonly inbox;
    private readonly waiters;
    private readonly pending;
    private resolveResult;
    private rejectResult;
    private gotResult;
    /** Resolves with the server's result of a client stream. */
    readonly result: Promise<R>;
    private session;
    private ready;
    private token;
    private outSeq;
    private readonly outBuf;
    private inSeq;
    private unacked;
    private ackTimer;
    private carrierNow;
    private wsStrikes;
    private sseAbort;
    private lastEventId;
    private sseOpened;
    private wsToken;
    private request;
    private payload;
    private unlisten;
    constructor(transport: Transport, WS: WebSocketConstructor, fetcher: typeof fetch | undefined, spec: StreamSpec<P>, opts: StreamOptions<P>, retry: RetryPolicy);
    /** Current connection state. */
    get state(): ConnectionState;
    /** What carries the stream now: 'sse' once it fell back to Server-Sent Events. */
    get carrier(): Carrier;
    private setState;
    private protocols;
    private connect;
    private failedToOpen;
    private envelope;
    private dropAcked;
    private dropAndResume;
    private opened;
    private numbered;
    private scheduleAck;
    private deliver;
    private closed;
    private fallBack;
    private reopen;
    private connectSSE;
    private readEvents;
    private event;
    private fail;
    private finish;
    private closeSocket;
    private write;
    /** Validates msg and sends it; throws ValidationError without sending when it is invalid. */
    send(msg: T): void;
    /** Client and bidirectional streams: ends the client's side with a JSON null. Server streams: closes the connection. */
    close(): void;
    /**
     * Closes the connection at once with 1000; iterations end without the
     * messages still buffered, a missing result rejects.
     */
    abort(): void;
    [Symbol.asyncIterator](): AsyncIterator<R>;
}
