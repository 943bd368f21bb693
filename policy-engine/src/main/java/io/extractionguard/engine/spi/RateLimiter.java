package io.extractionguard.engine.spi;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TierLimits;

/**
 * Admits or refuses a request against an account's tier limits. Risk tightens a limit by making
 * each request cost more: a {@code limitFactor} of 0.25 lets a quarter of the tier's requests through.
 *
 * <p>Implementations must not block on remote I/O on the caller's thread.
 */
public interface RateLimiter {

    /** Token units per request at factor 1: fine enough to express tightened costs as integers. */
    long UNITS_PER_REQUEST = 100;

    /** Consumes one request at the given factor if the limit admits it. */
    LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor);

    /**
     * Consumes {@code requests} requests at the given factor at once if the limit admits them all
     * (a batch): all or nothing.
     */
    LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor, int requests);

    /** Whether one request at the given factor would be admitted now; consumes nothing (for shadow bands). */
    boolean wouldAdmit(String accountId, TierLimits limits, double limitFactor);

    /** The cost in token units of one request under {@code limitFactor} (0 &lt; factor ≤ 1). */
    static long cost(double limitFactor) {
        double factor = Math.min(1.0, Math.max(0.001, limitFactor));
        return (long) Math.ceil(UNITS_PER_REQUEST / factor);
    }
}
