package io.extractionguard.engine.campaign;

import io.extractionguard.engine.features.PromptSketch;

/**
 * One LSH bucket of prompt sketches: which accounts send prompts that fall into it (a bounded
 * sample that estimates their number) and how harvesting-shaped those prompts are (time-decayed
 * request count and content sum, about a one-day horizon). About 300 bytes whatever the traffic.
 *
 * <p>Four-bit sketch components agree by chance one time in sixteen, so a band of a few of them
 * also collides by chance: an unrelated prompt can land in a template's bucket. The bucket keeps
 * the sketch of its first prompt as representative and counts only prompts at least
 * {@code minSimilarity} similar to it (candidate verification, as in any LSH index). A
 * representative nothing ever matched is replaced by the next prompt, so a stray first prompt
 * cannot hold a bucket.
 *
 * <p>Thread-safe.
 */
public final class TemplateBucket {

    /** Accounts sampled per bucket: exact counts up to this many, estimates beyond. */
    public static final int SAMPLE = 16;
    /** Pseudo-requests of content 0 in every bucket's heat, so one request never makes a hot bucket. */
    public static final double HEAT_PRIOR = 2;
    /** Similarity to the representative from which a prompt is a near-copy of it (low content yield). */
    public static final double REPEAT_SIMILARITY = 0.85;
    static final double DAY_MS = 86_400_000;

    private final AccountSample accounts = new AccountSample(SAMPLE);
    private final byte[] representative = new byte[PromptSketch.BYTES];
    private boolean matched;
    private boolean empty = true;
    private double requests;
    private double content;
    private double repeats;
    private long decayedAt = Long.MIN_VALUE;
    /** This replica's additions since the last {@link #cut}, decayed with the counters (see {@link #fold}). */
    private double pendingRequests;
    private double pendingContent;
    private double pendingRepeats;
    private long[] pendingAccounts = new long[0];
    private boolean pendingMatched;

    /**
     * What one replica added to a bucket since its last cut, for a shared store to merge into the
     * fleet's bucket: counters as of {@code atMillis}, the accounts that sent prompts into it, whether
     * any request matched the representative, and the representative itself.
     */
    public record Cut(double requests, double content, double repeats, long atMillis, long[] accounts, boolean matched,
                      byte[] representative) {
    }

    /** The fleet's bucket as shared state holds it (every replica's cuts merged), counters as of {@code atMillis}. */
    public record Fleet(byte[] representative, boolean matched, long[] accounts, double requests, double content,
                        double repeats, long atMillis) {
    }

    /**
     * Returns the bucket as it was before this request (flagged when the prompt is a near-copy of the
     * representative), then adds the request, if the prompt is similar enough to the bucket's representative; otherwise returns {@link TemplateStats#EMPTY}
     * and leaves the bucket's counts alone.
     *
     * @param accountHash   the sender's account hash
     * @param sketch        the prompt's {@link PromptSketch}
     * @param minSimilarity estimated Jaccard similarity to the representative a prompt needs to count
     * @param content       the request's content score in [0, 1]
     * @param atMillis      its arrival time
     */
    public synchronized TemplateStats apply(long accountHash, byte[] sketch, double minSimilarity, double content,
                                            long atMillis) {
        double similarity = empty ? 0 : PromptSketch.similarity(representative, sketch);
        boolean similar = !empty && similarity >= minSimilarity;
        if (!similar && matched) {
            return TemplateStats.EMPTY;
        }
        if (!similar) {
            // the first prompt, or a representative nothing matched: the newest prompt represents the bucket
            System.arraycopy(sketch, 0, representative, 0, PromptSketch.BYTES);
            accounts.clear();
            requests = 0;
            this.content = 0;
            repeats = 0;
            empty = false;
            pendingRequests = 0;
            pendingContent = 0;
            pendingRepeats = 0;
            pendingAccounts = new long[0];
        } else {
            matched = true;
            pendingMatched = true;
        }
        boolean nearCopy = similar && similarity >= REPEAT_SIMILARITY;
        TemplateStats before = nearCopy ? stats(accountHash, atMillis).asNearCopy() : stats(accountHash, atMillis);
        double w = decayTo(atMillis);
        double repeat = nearCopy ? w : 0;
        requests += w;
        this.content += w * content;
        repeats += repeat;
        pendingRequests += w;
        pendingContent += w * content;
        pendingRepeats += repeat;
        if (accounts.put(accountHash, 0f) >= 0 && pendingAccounts.length < SAMPLE
                && !pending(AccountSample.key(accountHash))) {
            pendingAccounts = java.util.Arrays.copyOf(pendingAccounts, pendingAccounts.length + 1);
            pendingAccounts[pendingAccounts.length - 1] = AccountSample.key(accountHash);
        }
        return before;
    }

    private boolean pending(long accountKey) {
        for (long a : pendingAccounts) {
            if (a == accountKey) {
                return true;
            }
        }
        return false;
    }

    /** The bucket as seen by {@code accountHash} at {@code nowMillis}, without changing it. */
    public synchronized TemplateStats stats(long accountHash, long nowMillis) {
        double f = decayedAt == Long.MIN_VALUE || nowMillis <= decayedAt ? 1
                : Math.exp((decayedAt - (double) nowMillis) / DAY_MS);
        double r = requests * f;
        double others = accounts.distinct() - (accounts.indexOf(accountHash) >= 0 ? 1 : 0);
        return new TemplateStats(Math.max(0, others), r, content * f / (r + HEAT_PRIOR),
                1 - repeats * f / (r + HEAT_PRIOR));
    }

    /** The bucket as it stands at {@code nowMillis}, or null while fewer than {@code minAccounts} accounts are sampled. */
    public synchronized SharedValue shared(long key, int minAccounts, long nowMillis) {
        if (accounts.size() < minAccounts) {
            return null;
        }
        TemplateStats s = stats(0, nowMillis);
        return new SharedValue(null, key, accounts.hashes(), accounts.distinct(), 0, s.heat(), Float.NaN);
    }

    /** What this replica added since the last cut, and starts a new one; null when it added nothing. */
    public synchronized Cut cut() {
        if (pendingRequests == 0 && pendingAccounts.length == 0) {
            return null;
        }
        Cut c = new Cut(pendingRequests, pendingContent, pendingRepeats, decayedAt, pendingAccounts, pendingMatched,
                representative.clone());
        pendingRequests = 0;
        pendingContent = 0;
        pendingRepeats = 0;
        pendingAccounts = new long[0];
        pendingMatched = false;
        return c;
    }

    /** Puts back a cut that could not be shared (it is sent with the next one). */
    public synchronized void restore(Cut c) {
        double f = decayedAt == Long.MIN_VALUE || c.atMillis() >= decayedAt ? 1
                : Math.exp((c.atMillis() - (double) decayedAt) / DAY_MS);
        pendingRequests += c.requests() * f;
        pendingContent += c.content() * f;
        pendingRepeats += c.repeats() * f;
        pendingMatched |= c.matched();
        for (long a : c.accounts()) {
            if (pendingAccounts.length < SAMPLE && java.util.Arrays.stream(pendingAccounts).noneMatch(p -> p == a)) {
                pendingAccounts = java.util.Arrays.copyOf(pendingAccounts, pendingAccounts.length + 1);
                pendingAccounts[pendingAccounts.length - 1] = a;
            }
        }
    }

    /**
     * Takes the fleet's bucket as this replica's view: its representative, its accounts (merged with the
     * sample, so folding twice changes nothing) and its counters plus what this replica added since its
     * last cut (which the fleet's do not include yet). The fleet's counters include every earlier cut of
     * this replica, so nothing is counted twice.
     */
    public synchronized void fold(Fleet fleet) {
        if (fleet.representative() == null || fleet.representative().length != representative.length) {
            return;
        }
        if (empty || !java.util.Arrays.equals(representative, fleet.representative())) {
            System.arraycopy(fleet.representative(), 0, representative, 0, representative.length);
            accounts.clear();
            empty = false;
        }
        matched |= fleet.matched();
        for (long a : fleet.accounts()) {
            accounts.put(a, 0f);
        }
        long at = decayedAt == Long.MIN_VALUE ? fleet.atMillis() : Math.max(decayedAt, fleet.atMillis());
        double own = decayedAt == Long.MIN_VALUE || at == decayedAt ? 1 : Math.exp((decayedAt - (double) at) / DAY_MS);
        double theirs = at == fleet.atMillis() ? 1 : Math.exp((fleet.atMillis() - (double) at) / DAY_MS);
        pendingRequests *= own;
        pendingContent *= own;
        pendingRepeats *= own;
        requests = fleet.requests() * theirs + pendingRequests;
        content = fleet.content() * theirs + pendingContent;
        repeats = fleet.repeats() * theirs + pendingRepeats;
        decayedAt = at;
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
        repeats *= f;
        pendingRequests *= f;
        pendingContent *= f;
        pendingRepeats *= f;
        decayedAt = at;
        return 1;
    }
}
