package io.extractionguard.engine.campaign;

/**
 * What correlation remembers about one account: how much of its recent traffic matched hot
 * templates (time-decayed, about a day) and its request cadence (exponentially weighted mean and
 * variance of inter-arrival gaps). About 80 bytes.
 *
 * <p>Thread-safe.
 */
public final class AccountLinks {

    static final double DAY_MS = 86_400_000;
    /** Weight of the newest gap in the cadence averages once there are enough gaps. */
    static final double CADENCE_ALPHA = 0.2;

    private double requests;
    private double templateSum;
    private long decayedAt = Long.MIN_VALUE;
    private long lastArrival = Long.MIN_VALUE;
    private long gaps;
    private double gapMean;
    private double gapVariance;

    /**
     * Adds one request and returns the account's state after it.
     *
     * @param atMillis         arrival time
     * @param templateStrength how strongly the request matched hot templates, in [0, 1]
     * @param sharePrior       pseudo-requests (strength 0) in the template share
     * @param maxCv            highest coefficient of variation of gaps that counts as a machine-regular cadence
     * @param minGaps          gaps needed before a cadence is reported
     */
    public synchronized AccountState apply(long atMillis, double templateStrength, double sharePrior,
                                           double maxCv, long minGaps) {
        double w;
        if (decayedAt == Long.MIN_VALUE) {
            decayedAt = atMillis;
            w = 1;
        } else if (atMillis <= decayedAt) {
            w = Math.exp((atMillis - (double) decayedAt) / DAY_MS);
        } else {
            double f = Math.exp((decayedAt - (double) atMillis) / DAY_MS);
            requests *= f;
            templateSum *= f;
            decayedAt = atMillis;
            w = 1;
        }
        requests += w;
        templateSum += w * templateStrength;

        if (lastArrival != Long.MIN_VALUE && atMillis >= lastArrival) {
            double gap = atMillis - (double) lastArrival;
            gaps++;
            double alpha = Math.max(1.0 / gaps, CADENCE_ALPHA);
            double d = gap - gapMean;
            gapMean += alpha * d;
            gapVariance = (1 - alpha) * (gapVariance + alpha * d * d);
        }
        lastArrival = Math.max(lastArrival, atMillis);

        long cadence = 0;
        if (gaps >= minGaps && gapMean > 0 && Math.sqrt(gapVariance) / gapMean <= maxCv) {
            cadence = Indicators.cadence(gapMean);
        }
        return new AccountState(templateSum / (requests + sharePrior), cadence);
    }
}
