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
 * another replica) is added with the weight it would have had, so replicas converge.
 *
 * <p>Thread-safe: every method synchronises on the profile; the critical sections are short.
 */
public final class AccountProfile {

    public static final int SKETCH_HISTORY = 12;
    public static final int ARRIVAL_HISTORY = 16;
    static final double MINUTE_MS = 60_000;
    static final double HOUR_MS = 3_600_000;
    static final double DAY_MS = 86_400_000;

    // indices into the one-day counters
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
    static final int DAY_COUNTERS = INPUT_SUM + 1;

    private final double[] day = new double[DAY_COUNTERS];
    private double minute;
    private double hour;
    private long decayedAt = Long.MIN_VALUE;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen = Long.MIN_VALUE;
    private long total;
    private final byte[] sketches = new byte[SKETCH_HISTORY * PromptSketch.BYTES];
    private int sketchCount;
    private int sketchNext;
    private final long[] arrivals = new long[ARRIVAL_HISTORY];
    private int arrivalCount;
    private int arrivalNext;

    /** Applies one observation and returns the resulting summary. */
    public synchronized ProfileStats apply(Observation o, double evidencePrior) {
        long at = o.atMillis();
        RequestFeatures f = o.features();
        double similarity = 0;
        if (f.sketch() != null) {
            for (int i = 0; i < sketchCount; i++) {
                similarity = Math.max(similarity,
                        PromptSketch.similarity(sketches, i * PromptSketch.BYTES, f.sketch(), 0));
            }
            System.arraycopy(f.sketch(), 0, sketches, sketchNext * PromptSketch.BYTES, PromptSketch.BYTES);
            sketchNext = (sketchNext + 1) % SKETCH_HISTORY;
            sketchCount = Math.min(sketchCount + 1, SKETCH_HISTORY);
        }
        boolean templated = sketchCount > 1 && similarity >= o.templateSimilarity();

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
        if (f.targetsAnyCapability()) {
            day[CAPABILITY] += wDay;
            for (CapabilityArea area : CapabilityArea.values()) {
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
        return statsAt(decayedAt, evidencePrior, similarity);
    }

    /** Adds tokens served for an earlier request. */
    public synchronized void addUsage(long atMillis, long inputTokens, long outputTokens) {
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
        double fDay = Math.exp(-dt / DAY_MS);
        double requests = day[REQUESTS] * fDay;
        double denominator = requests + prior;
        double dominant = 0;
        for (int i = 0; i < CapabilityArea.values().length; i++) {
            dominant = Math.max(dominant, day[AREA_BASE + i]);
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
                minute * Math.exp(-dt / MINUTE_MS),
                hour * Math.exp(-dt / HOUR_MS),
                coefficientOfVariation(gaps),
                gaps.length,
                firstSeen,
                lastSimilarity);
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
