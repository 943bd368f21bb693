package io.extractionguard.engine.limits;

/**
 * Base request limits of an account tier. A zero means "no limit over that window".
 *
 * @param tier              tier name from the policy
 * @param requestsPerMinute requests admitted per rolling minute
 * @param requestsPerDay    requests admitted per rolling day
 */
public record TierLimits(String tier, long requestsPerMinute, long requestsPerDay) {

    /** The window reported to clients in rate-limit headers: the tighter, shorter one when set. */
    public long primaryLimit() {
        return requestsPerMinute > 0 ? requestsPerMinute : requestsPerDay;
    }

    public long primaryWindowSeconds() {
        return requestsPerMinute > 0 ? 60 : 86_400;
    }

    public boolean unlimited() {
        return requestsPerMinute <= 0 && requestsPerDay <= 0;
    }
}
