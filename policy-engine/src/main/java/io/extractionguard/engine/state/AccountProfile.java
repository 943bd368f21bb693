package io.extractionguard.engine.state;

import java.util.Arrays;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.features.RequestFeatures;

/**
 * The bounded behavioural memory of one account: time-decayed counters (one-minute, one-hour and
 * one-day horizons), the sketches of its most recent prompts and its most recent arrival times.
 * Its size does not grow with traffic: about 700 bytes of state whatever the account does.
 *
 * <p>Decayed counters make the profile order-insensitive: an observation that arrives late (from
 * another replica) is added with the weight it would have had, so replicas converge. Profiles are
 * also <em>mergeable</em>: {@link #merge} adds another profile's observations as if they had been
 * applied here (counters aligned in time and added, the most recent sketches and arrivals kept), and
 * {@link #apply(Observation, double, AccountProfile)} records a change into a second, initially empty
 * profile as well, so a shared store can ship the change instead of the whole profile and other
 * replicas merge it ({@link ProfileCodec} is the compact wire form).
 *
 * <p>Thread-safe: every method synchronises on the profile; the critical sections are short.
 */
public final class AccountProfile {

    public static final int SKETCH_HISTORY = 12;
    public static final int ARRIVAL_HISTORY = 16;
    static final double MINUTE_MS = 60_000;
    static final double HOUR_MS = 3_600_000;
    static final double DAY_MS = 86_400_000;

    // indices into the one-day counters; a new counter goes at the end (ProfileCodec keeps old blobs readable)
    // and is merged by merge() like the others
    static final int REQUESTS = 0;
    static final int TEMPLATED = 1;
    static final int COT = 2;
    static final int TOOLS = 3;
    static final int CAPABILITY = 4;
    static final int AREA_BASE = 5;
    static final int APPETITE_COUNT = AREA_BASE + CapabilityArea.values().length;
    static final int APPETITE_SUM = APPETITE_COUNT + 1;
    static final int OUTPUT_SUM = APPETITE_SUM + 1;
    static final int INPUT_SUM = OUTPUT_SUM + 1;
    /** Requests with no earlier turns (added 2026-11-28; profiles stored before read it as 0: no evidence). */
    static final int STANDALONE = INPUT_SUM + 1;
    static final int DAY_COUNTERS = STANDALONE + 1;
    private static final CapabilityArea[] AREAS = CapabilityArea.values();

    // package-private: ProfileCodec encodes exactly these fields
    final double[] day = new double[DAY_COUNTERS];
    double minute;
    double hour;
    long decayedAt = Long.MIN_VALUE;
    long firstSeen = Long.MAX_VALUE;
    long lastSeen = Long.MIN_VALUE;
    long total;
    final byte[] sketches = new byte[SKETCH_HISTORY * PromptSketch.BYTES];
    final long[] sketchAt = new long[SKETCH_HISTORY];
    int sketchCount;
    int sketchNext;
    final long[] arrivals = new long[ARRIVAL_HISTORY];
    int arrivalCount;
    int arrivalNext;

    /** Applies one observation and returns the resulting summary. */
    public ProfileStats apply(Observation o, double evidencePrior) {
        return apply(o, evidencePrior, null);
    }

    /**
     * Applies one observation and returns the resulting summary; when {@code changes} is not null
     * the same change (with the template match decided here, against this profile's recent prompts)
     * is recorded there too, so that merging {@code changes} elsewhere has the same effect.
     */
    public synchronized ProfileStats apply(Observation o, double evidencePrior, AccountProfile changes) {
        RequestFeatures f = o.features();
        double similarity = 0;
        if (f.sketch() != null) {
            for (int i = 0; i < sketchCount; i++) {
                similarity = Math.max(similarity,
                        PromptSketch.similarity(sketches, i * PromptSketch.BYTES, f.sketch(), 0));
            }
        }
        boolean templated = f.sketch() != null && sketchCount >= 1 && similarity >= o.templateSimilarity();
        record(o.atMillis(), f, templated);
        if (changes != null) {
            synchronized (changes) {
                changes.record(o.atMillis(), f, templated);
            }
        }
        return statsAt(decayedAt, evidencePrior, similarity);
    }

    private void record(long at, RequestFeatures f, boolean templated) {
        if (f.sketch() != null) {
            System.arraycopy(f.sketch(), 0, sketches, sketchNext * PromptSketch.BYTES, PromptSketch.BYTES);
            sketchAt[sketchNext] = at;
            sketchNext = (sketchNext + 1) % SKETCH_HISTORY;
            sketchCount = Math.min(sketchCount + 1, SKETCH_HISTORY);
        }
        double w = advanceTo(at);
        double wDay = w < 0 ? Math.exp((decayedAt - (double) at) / -DAY_MS) : 1;
        day[REQUESTS] += wDay;
        if (templated) {
            day[TEMPLATED] += wDay;
        }
        if (f.cotElicitation()) {
            day[COT] += wDay;
        }
        if (f.toolCount() > 0) {
            day[TOOLS] += wDay;
        }
        if (f.standalone()) {
            day[STANDALONE] += wDay;
        }
        if (f.targetsAnyCapability()) {
            day[CAPABILITY] += wDay;
            for (CapabilityArea area : AREAS) {
                if (f.targets(area)) {
                    day[AREA_BASE + area.ordinal()] += wDay;
                }
            }
        }
        if (f.maxOutputTokens() > 0) {
            day[APPETITE_COUNT] += wDay;
            day[APPETITE_SUM] += wDay * f.maxOutputTokens();
        }
        minute += at >= decayedAt ? 1 : Math.exp((at - (double) decayedAt) / MINUTE_MS);
        hour += at >= decayedAt ? 1 : Math.exp((at - (double) decayedAt) / HOUR_MS);

        total++;
        firstSeen = Math.min(firstSeen, at);
        lastSeen = Math.max(lastSeen, at);
        arrivals[arrivalNext] = at;
        arrivalNext = (arrivalNext + 1) % ARRIVAL_HISTORY;
        arrivalCount = Math.min(arrivalCount + 1, ARRIVAL_HISTORY);
    }

    /** Adds tokens served for an earlier request. */
    public void addUsage(long atMillis, long inputTokens, long outputTokens) {
        addUsage(atMillis, inputTokens, outputTokens, null);
    }

    /** Adds tokens served for an earlier request, recording the same change in {@code changes} when not null. */
    public synchronized void addUsage(long atMillis, long inputTokens, long outputTokens, AccountProfile changes) {
        recordUsage(atMillis, inputTokens, outputTokens);
        if (changes != null) {
            synchronized (changes) {
                changes.recordUsage(atMillis, inputTokens, outputTokens);
            }
        }
    }

    private void recordUsage(long atMillis, long inputTokens, long outputTokens) {
        advanceTo(atMillis);
        double w = atMillis >= decayedAt ? 1 : Math.exp((atMillis - (double) decayedAt) / DAY_MS);
        day[OUTPUT_SUM] += w * Math.max(0, outputTokens);
        day[INPUT_SUM] += w * Math.max(0, inputTokens);
    }

    /** Summary as of {@code nowMillis}, without changing the profile. */
    public synchronized ProfileStats stats(long nowMillis, double evidencePrior) {
        return statsAt(nowMillis, evidencePrior, 0);
    }

    public synchronized long totalRequests() {
        return total;
    }

    public synchronized long lastSeenMillis() {
        return lastSeen;
    }

    /** Whether nothing was ever applied or merged into this profile. */
    public synchronized boolean isEmpty() {
        return total == 0 && decayedAt == Long.MIN_VALUE;
    }

    /** An independent copy of this profile. */
    public AccountProfile copy() {
        AccountProfile c = new AccountProfile();
        synchronized (this) {
            System.arraycopy(day, 0, c.day, 0, day.length);
            c.minute = minute;
            c.hour = hour;
            c.decayedAt = decayedAt;
            c.firstSeen = firstSeen;
            c.lastSeen = lastSeen;
            c.total = total;
            System.arraycopy(sketches, 0, c.sketches, 0, sketches.length);
            System.arraycopy(sketchAt, 0, c.sketchAt, 0, sketchAt.length);
            c.sketchCount = sketchCount;
            c.sketchNext = sketchNext;
            System.arraycopy(arrivals, 0, c.arrivals, 0, arrivals.length);
            c.arrivalCount = arrivalCount;
            c.arrivalNext = arrivalNext;
        }
        return c;
    }

    /**
     * Adds everything {@code other} has seen to this profile, as if its observations had been
     * applied here: counters are aligned to the later of the two reference times and added, the most
     * recent {@value #SKETCH_HISTORY} sketches and {@value #ARRIVAL_HISTORY} arrivals of both are kept,
     * totals add up. Merging is commutative and associative, so replicas that merge the same set of
     * changes in any order agree. Merging the same changes twice counts them twice: callers merge
     * each change once.
     */
    public void merge(AccountProfile other) {
        if (other == this) {
            throw new IllegalArgumentException("a profile cannot be merged into itself");
        }
        AccountProfile o = other.copy();
        synchronized (this) {
            if (o.decayedAt != Long.MIN_VALUE) {
                if (decayedAt == Long.MIN_VALUE) {
                    decayedAt = o.decayedAt;
                } else {
                    advanceTo(o.decayedAt);
                }
                double dt = decayedAt - (double) o.decayedAt;
                double fDay = Math.exp(-dt / DAY_MS);
                for (int i = 0; i < day.length; i++) {
                    day[i] += o.day[i] * fDay;
                }
                minute += o.minute * Math.exp(-dt / MINUTE_MS);
                hour += o.hour * Math.exp(-dt / HOUR_MS);
            }
            total += o.total;
            firstSeen = Math.min(firstSeen, o.firstSeen);
            lastSeen = Math.max(lastSeen, o.lastSeen);
            mergeSketches(o);
            mergeArrivals(o);
        }
    }

    /** Keeps the most recent sketches of both, stored oldest first so the ring overwrites the oldest next. */
    private void mergeSketches(AccountProfile o) {
        int n = sketchCount + o.sketchCount;
        if (o.sketchCount == 0) {
            return;
        }
        long[] at = new long[n];
        byte[] all = new byte[n * PromptSketch.BYTES];
        int k = 0;
        for (AccountProfile p : new AccountProfile[] {this, o}) {
            for (int i = 0; i < p.sketchCount; i++) {
                int slot = p.ringSlot(i, p.sketchNext, p.sketchCount, SKETCH_HISTORY);
                at[k] = p.sketchAt[slot];
                System.arraycopy(p.sketches, slot * PromptSketch.BYTES, all, k * PromptSketch.BYTES, PromptSketch.BYTES);
                k++;
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(at[a], at[b])); // stable: ties keep this profile's first
        int keep = Math.min(n, SKETCH_HISTORY);
        for (int i = 0; i < keep; i++) {
            int from = order[n - keep + i];
            sketchAt[i] = at[from];
            System.arraycopy(all, from * PromptSketch.BYTES, sketches, i * PromptSketch.BYTES, PromptSketch.BYTES);
        }
        sketchCount = keep;
        sketchNext = keep % SKETCH_HISTORY;
    }

    private void mergeArrivals(AccountProfile o) {
        if (o.arrivalCount == 0) {
            return;
        }
        long[] all = new long[arrivalCount + o.arrivalCount];
        System.arraycopy(arrivals, 0, all, 0, arrivalCount);
        System.arraycopy(o.arrivals, 0, all, arrivalCount, o.arrivalCount);
        Arrays.sort(all);
        int keep = Math.min(all.length, ARRIVAL_HISTORY);
        System.arraycopy(all, all.length - keep, arrivals, 0, keep);
        arrivalCount = keep;
        arrivalNext = keep % ARRIVAL_HISTORY;
    }

    /** Slot of the {@code i}-th oldest entry of a ring whose next write goes to {@code next}. */
    private int ringSlot(int i, int next, int count, int capacity) {
        return count < capacity ? i : (next + i) % capacity;
    }

    /**
     * Decays all counters to {@code at} when it is later than the last update.
     *
     * @return 1 when the counters now stand at {@code at}; -1 when {@code at} is in their past
     */
    private double advanceTo(long at) {
        if (decayedAt == Long.MIN_VALUE) {
            decayedAt = at;
            return 1;
        }
        if (at < decayedAt) {
            return -1;
        }
        double dt = at - (double) decayedAt;
        if (dt > 0) {
            double fDay = Math.exp(-dt / DAY_MS);
            for (int i = 0; i < day.length; i++) {
                day[i] *= fDay;
            }
            minute *= Math.exp(-dt / MINUTE_MS);
            hour *= Math.exp(-dt / HOUR_MS);
            decayedAt = at;
        }
        return 1;
    }

    private ProfileStats statsAt(long now, double prior, double lastSimilarity) {
        double dt = decayedAt == Long.MIN_VALUE ? 0 : Math.max(0, now - (double) decayedAt);
        // the usual case (stats right after an observation) decays nothing: exp(-0.0) is exactly 1
        double fDay = dt == 0 ? 1 : Math.exp(-dt / DAY_MS);
        double requests = day[REQUESTS] * fDay;
        double denominator = requests + prior;
        double dominant = 0;
        double[] areaFractions = new double[AREAS.length];
        for (int i = 0; i < areaFractions.length; i++) {
            dominant = Math.max(dominant, day[AREA_BASE + i]);
            areaFractions[i] = day[REQUESTS] > 1e-9 ? Math.min(1.0, day[AREA_BASE + i] / day[REQUESTS]) : 0;
        }
        double appetiteCount = day[APPETITE_COUNT];
        double[] gaps = timingGaps();
        return new ProfileStats(
                total,
                requests,
                share(day[TEMPLATED] * fDay, denominator),
                share(day[COT] * fDay, denominator),
                share(day[TOOLS] * fDay, denominator),
                share(day[CAPABILITY] * fDay, denominator),
                share(dominant * fDay, denominator),
                appetiteCount > 1e-9 ? day[APPETITE_SUM] / appetiteCount : 0,
                day[REQUESTS] > 1e-9 ? day[OUTPUT_SUM] / day[REQUESTS] : 0,
                day[REQUESTS] > 1e-9 ? Math.min(1.0, day[STANDALONE] / day[REQUESTS]) : 0,
                dt == 0 ? minute : minute * Math.exp(-dt / MINUTE_MS),
                dt == 0 ? hour : hour * Math.exp(-dt / HOUR_MS),
                coefficientOfVariation(gaps),
                gaps.length,
                firstSeen,
                lastSimilarity,
                AreaShares.byOrdinal(areaFractions));
    }

    private static double share(double count, double denominator) {
        return denominator <= 0 ? 0 : Math.min(1.0, count / denominator);
    }

    private double[] timingGaps() {
        if (arrivalCount < 3) {
            return new double[0];
        }
        long[] sorted = Arrays.copyOf(arrivals, arrivalCount);
        Arrays.sort(sorted);
        double[] gaps = new double[sorted.length - 1];
        for (int i = 1; i < sorted.length; i++) {
            gaps[i - 1] = sorted[i] - sorted[i - 1];
        }
        return gaps;
    }

    private static double coefficientOfVariation(double[] gaps) {
        if (gaps.length < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (double g : gaps) {
            sum += g;
        }
        double mean = sum / gaps.length;
        if (mean <= 0) {
            return 0;
        }
        double squares = 0;
        for (double g : gaps) {
            squares += (g - mean) * (g - mean);
        }
        return Math.sqrt(squares / gaps.length) / mean;
    }
}
