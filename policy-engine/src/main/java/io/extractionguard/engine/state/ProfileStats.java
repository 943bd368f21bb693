package io.extractionguard.engine.state;

/**
 * A read-only summary of an account's behaviour, computed right after an observation was applied.
 * Shares are shrunk towards zero by a prior of {@code evidencePrior} pseudo-requests, so a single
 * request never reads as a 100% share.
 *
 * @param totalRequests      requests ever observed for the account
 * @param recentRequests     time-decayed request count (one-day horizon)
 * @param templatedShare     share of recent requests that reused a recent prompt template
 * @param cotShare           share of recent requests that asked for full reasoning
 * @param toolsShare         share of recent requests that offered tools
 * @param capabilityShare    share of recent requests that targeted any capability area
 * @param dominantAreaShare  share of recent requests in the most targeted single area
 * @param meanRequestedTokens mean requested output budget of recent requests that set one
 * @param meanOutputTokens   mean output tokens actually served per recent request (0 before usage is known)
 * @param standaloneShare    share of recent requests that stood alone (no earlier turns: nothing followed up),
 *                           <em>not</em> shrunk by the prior (it is evidence by its absence of follow-ups, which a
 *                           prior towards zero would invent for small samples); signals reading it require a
 *                           minimum of recent requests instead
 * @param requestsLastMinute decayed count with a one-minute horizon
 * @param requestsLastHour   decayed count with a one-hour horizon
 * @param timingCv           coefficient of variation of recent inter-arrival gaps, NaN with too few samples
 * @param timingSamples      gaps behind {@code timingCv}
 * @param firstSeenMillis    first observation, epoch ms
 * @param lastSimilarity     highest similarity of this request's prompt to the account's recent ones
 * @param areaFractions      per {@link io.extractionguard.engine.features.CapabilityArea} (by ordinal), the
 *                           fraction of recent requests that targeted it, not shrunk (a request may target
 *                           several areas, so they need not add up to {@code capabilityShare}); for reports
 *                           apportioning volume by area, not for scoring
 */
public record ProfileStats(
        long totalRequests,
        double recentRequests,
        double templatedShare,
        double cotShare,
        double toolsShare,
        double capabilityShare,
        double dominantAreaShare,
        double meanRequestedTokens,
        double meanOutputTokens,
        double standaloneShare,
        double requestsLastMinute,
        double requestsLastHour,
        double timingCv,
        int timingSamples,
        long firstSeenMillis,
        double lastSimilarity,
        AreaShares areaFractions) {
}
