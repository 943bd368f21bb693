package io.extractionguard.engine.campaign;

/**
 * One LSH bucket of prompt sketches: which accounts send prompts that fall into it (a bounded
 * sample that estimates their number) and how harvesting-shaped those prompts are (time-decayed
 * request count and content sum, about a one-day horizon). About 250 bytes whatever the traffic.
 *
 * <p>Thread-safe.
 */
public final class TemplateBucket {

    /** Accounts sampled per bucket: exact counts up to this many, estimates beyond. */
    public static final int SAMPLE = 16;
    /** Pseudo-requests of content 0 in every bucket's heat, so one request never makes a hot bucket. */
    public static final double HEAT_PRIOR = 2;
    static final double DAY_MS = 86_400_000;

    private final AccountSample accounts = new AccountSample(SAMPLE);
    private double requests;
    private double content;
    private long decayedAt = Long.MIN_VALUE;

    /**
     * Returns the bucket as it was before this request, then adds the request.
     *
     * @param accountHash the sender's account hash
     * @param content     the request's content score in [0, 1]
     * @param atMillis    its arrival time
     */
    public synchronized TemplateStats apply(long accountHash, double content, long atMillis) {
        TemplateStats before = stats(accountHash, atMillis);
        double w = decayTo(atMillis);
        requests += w;
        this.content += w * content;
        accounts.put(accountHash, 0f);
        return before;
    }

    /** The bucket as seen by {@code accountHash} at {@code nowMillis}, without changing it. */
    public synchronized TemplateStats stats(long accountHash, long nowMillis) {
        double f = decayedAt == Long.MIN_VALUE || nowMillis <= decayedAt ? 1
                : Math.exp((decayedAt - (double) nowMillis) / DAY_MS);
        double r = requests * f;
        double others = accounts.distinct() - (accounts.indexOf(accountHash) >= 0 ? 1 : 0);
        return new TemplateStats(Math.max(0, others), r, content * f / (r + HEAT_PRIOR));
    }

    /** Decays the counters to {@code at}; returns the weight of an event at {@code at} (below 1 when late). */
    private double decayTo(long at) {
        if (decayedAt == Long.MIN_VALUE) {
            decayedAt = at;
            return 1;
        }
        if (at <= decayedAt) {
            return Math.exp((at - (double) decayedAt) / DAY_MS);
        }
        double f = Math.exp((decayedAt - (double) at) / DAY_MS);
        requests *= f;
        content *= f;
        decayedAt = at;
        return 1;
    }
}
