import { HTTPError } from './errors.ts';
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
/**
 * Opens a WebSocket to url with WS. headers travel with the upgrade where
 * the implementation can send them (the "ws" package, Node's built-in
 * WebSocket); browsers cannot.
 */
export declare function dial(WS: WebSocketConstructor, url: string, protocols: string[], headers: Record<string, string>, fetcher: typeof fetch | undefined): Dialed;
