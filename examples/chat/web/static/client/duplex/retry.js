// When a stream reconnects (docs/protocol.md 1.6).
/** The policy of docs/protocol.md 1.6. */
export const defaultRetryPolicy = { initial: 250, max: 30000, multiplier: 2, maxAttempts: 0, resetAfter: 5000 };
/** Returns the delay before retry number attempt (0-based): uniform in [0, min(max, initial*multiplier^attempt)]. */
export function backoff(policy, attempt) {
    const ceiling = Math.min(policy.max, policy.initial * Math.pow(policy.multiplier, attempt));
    return Math.random() * ceiling;
}
