package io.extractionguard.engine.limits;

/**
 * Base request limits of an account tier. A zero means "no limit over that window".
 *
 * @param tier              tier name from the policy
 * @param requestsPerMinute requests admitted per rolling minute
 * @param requestsPerDay    requests admitted per rolling day
 * @param batches           what batch endpoints (Message Batches, OpenAI batch files) do for the tier
 */
public record TierLimits(String tier, long requestsPerMinute, long requestsPerDay, Batches batches) {

    /** Batch endpoints for a tier: every item evaluated (the default), or refused outright. */
    public enum Batches { EVALUATE, REFUSE }

    /** Limits of a tier whose batches are evaluated. */
    public TierLimits(String tier, long requestsPerMinute, long requestsPerDay) {
        this(tier, requestsPerMinute, requestsPerDay, Batches.EVALUATE);
    }

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
