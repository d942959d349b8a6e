/** Delays between reconnection attempts, in milliseconds. */
export interface RetryPolicy {
    /** Ceiling of the first delay (default 250). */
    initial: number;
    /** Ceiling of every delay (default 30000). */
    max: number;
    /** Growth of the ceiling per failed attempt (default 2). */
    multiplier: number;
    /** Attempts before giving up; 0 means no limit (default 0). */
    maxAttempts: number;
    /**
     * How long a connection must stay open before the delays start again
     * from initial (default 5000). A stream that the server ends right after
     * the upgrade (1011) keeps backing off instead of retrying at once.
     */
    resetAfter: number;
}
/** The policy of docs/protocol.md 1.6. */
export declare const defaultRetryPolicy: RetryPolicy;
/** Returns the delay before retry number attempt (0-based): uniform in [0, min(max, initial*multiplier^attempt)]. */
export declare function backoff(policy: Pick<RetryPolicy, 'initial' | 'max' | 'multiplier'>, attempt: number): number;
