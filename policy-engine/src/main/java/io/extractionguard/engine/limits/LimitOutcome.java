package io.extractionguard.engine.limits;

/**
 * Result of asking a rate limiter for one request.
 *
 * @param allowed           whether the request fits the limit
 * @param limit             requests per window of the binding window (the one with the least left), at the base rate
 * @param windowSeconds     length of that window
 * @param remaining         requests still admitted now at the current (possibly tightened) cost
 * @param resetSeconds      seconds until that window is full again
 * @param retryAfterSeconds when refused: seconds until the next request would be admitted; 0 otherwise
 */
public record LimitOutcome(boolean allowed, long limit, long windowSeconds, long remaining,
                           long resetSeconds, long retryAfterSeconds) {

    /** The outcome for a tier without limits. */
    public static final LimitOutcome UNLIMITED = new LimitOutcome(true, 0, 0, Long.MAX_VALUE, 0, 0);

    public boolean isUnlimited() {
        return limit == 0;
    }
}
