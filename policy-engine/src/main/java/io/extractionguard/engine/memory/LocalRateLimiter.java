package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;


import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.spi.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.local.SynchronizationStrategy;

/**
 * Bucket4j token buckets in process memory, one per account, timed by the injected clock (so
 * replay simulates buckets on the trace's clock). Idle buckets are evicted after a day; a policy
 * change that alters a tier's limits reconfigures existing buckets, keeping their fill ratio.
 */
public final class LocalRateLimiter implements RateLimiter {

    private record Entry(TierLimits limits, LocalBucket bucket) {
    }

    private static final long MAX_BUCKETS = 2_000_000;
    private static final Duration IDLE = Duration.ofDays(1);

    private final AccountEntries<Entry> buckets;
    private final TimeMeter timeMeter;

    public LocalRateLimiter(Clock clock) {
        this(clock, MAX_BUCKETS);
    }

    public LocalRateLimiter(Clock clock, long maxBuckets) {
        this(clock, AccountEntries.concurrent(clock, maxBuckets, IDLE));
    }

    private LocalRateLimiter(Clock clock, AccountEntries<Entry> buckets) {
        this.timeMeter = timeMeter(clock);
        this.buckets = buckets;
    }

    /** The same limiter for a caller on one thread (the replay): see {@link AccountEntries#singleThreaded}. */
    public static LocalRateLimiter singleThreaded(Clock clock) {
        return new LocalRateLimiter(clock, AccountEntries.singleThreaded(clock, MAX_BUCKETS, IDLE));
    }

    @Override
    public LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor) {
        if (limits.unlimited()) {
            return LimitOutcome.UNLIMITED;
        }
        return consume(bucket(accountId, limits), limits, limitFactor, 1);
    }

    @Override
    public LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor, int requests) {
        if (limits.unlimited()) {
            return LimitOutcome.UNLIMITED;
        }
        return consume(bucket(accountId, limits), limits, limitFactor, requests);
    }

    @Override
    public boolean wouldAdmit(String accountId, TierLimits limits, double limitFactor) {
        return limits.unlimited()
                || bucket(accountId, limits).estimateAbilityToConsume(RateLimiter.cost(limitFactor)).canBeConsumed();
    }

    private LocalBucket bucket(String accountId, TierLimits limits) {
        // the usual case, a live bucket under the same limits: a read (it touches the entry as the compute did)
        Entry live = buckets.getIfPresent(accountId);
        if (live != null && (live.limits() == limits || live.limits().equals(limits))) {
            return live.bucket();
        }
        Entry entry = buckets.compute(accountId, (k, existing) -> {
            if (existing == null) {
                return new Entry(limits, newBucket(timeMeter, bandwidths(limits)));
            }
            if (!existing.limits().equals(limits)) {
                existing.bucket().replaceConfiguration(configuration(limits), TokensInheritanceStrategy.PROPORTIONALLY);
                return new Entry(limits, existing.bucket());
            }
            return existing;
        });
        return entry.bucket();
    }

    /** A local bucket with these bandwidths, timed by {@code timeMeter}. */
    static LocalBucket newBucket(TimeMeter timeMeter, Bandwidth[] bandwidths) {
        var builder = io.github.bucket4j.Bucket.builder()
                .withCustomTimePrecision(timeMeter)
                .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED);
        for (Bandwidth b : bandwidths) {
            builder.addLimit(b);
        }
        return builder.build();
    }

    /**
     * Consumes {@code cost} and reports the binding window: the bandwidth with the fewest tokens
     * left, its request quota, what remains of it and when it is full again.
     */
    static LimitOutcome consume(io.github.bucket4j.Bucket bucket, TierLimits limits, double limitFactor, int requests) {
        long perRequest = RateLimiter.cost(limitFactor);
        VerboseResult<ConsumptionProbe> result = bucket.asVerbose().tryConsumeAndReturnRemaining(perRequest * requests);
        ConsumptionProbe probe = result.getValue();
        return describe(probe.isConsumed(), result.getConfiguration().getBandwidths(),
                result.getDiagnostics().getAvailableTokensPerEachBandwidth(), UNITS_PER_REQUEST, perRequest,
                probe.getNanosToWaitForRefill());
    }

    /**
     * Describes the binding window: the bandwidth with the fewest units left, its quota in items
     * ({@code unitsPerItem} units each at the base rate), what remains of it at {@code unitsPerItemNow}
     * units per item, and when it is full again.
     */
    static LimitOutcome describe(boolean allowed, Bandwidth[] bandwidths, long[] available, long unitsPerItem,
                                 double unitsPerItemNow, long nanosToWait) {
        int binding = 0;
        for (int i = 1; i < bandwidths.length; i++) {
            if (available[i] < available[binding]) {
                binding = i;
            }
        }
        Bandwidth b = bandwidths[binding];
        long capacity = b.getCapacity();
        long left = Math.max(0, available[binding]);
        long missing = Math.max(0, capacity - left);
        long resetNanos = (long) ((double) missing / b.getRefillTokens() * b.getRefillPeriodNanos());
        long retry = allowed ? 0 : Math.max(1, toSecondsCeil(nanosToWait));
        return new LimitOutcome(allowed, capacity / unitsPerItem,
                TimeUnit.NANOSECONDS.toSeconds(b.getRefillPeriodNanos()), (long) Math.floor(left / unitsPerItemNow),
                toSecondsCeil(resetNanos), retry);
    }

    /** Bucket4j time from the injected clock (wall-clock based, so distributed buckets may use it too). */
    public static TimeMeter timeMeter(Clock clock) {
        return new ClockTimeMeter(clock);
    }

    /** The Bucket4j configuration of a tier's limits, in token units; shared with distributed limiters. */
    public static BucketConfiguration configuration(TierLimits limits) {
        return configuration(bandwidths(limits));
    }

    static BucketConfiguration configuration(Bandwidth[] bandwidths) {
        var builder = BucketConfiguration.builder();
        for (Bandwidth b : bandwidths) {
            builder.addLimit(b);
        }
        return builder.build();
    }

    static Bandwidth[] bandwidths(TierLimits limits) {
        return bandwidths(limits.requestsPerMinute() * UNITS_PER_REQUEST, limits.requestsPerDay() * UNITS_PER_REQUEST);
    }

    /** Greedily refilled per-minute and per-day bandwidths of the given capacities (0: none). */
    static Bandwidth[] bandwidths(long perMinute, long perDay) {
        java.util.List<Bandwidth> list = new java.util.ArrayList<>(2);
        if (perMinute > 0) {
            list.add(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))
                    .id("minute").build());
        }
        if (perDay > 0) {
            list.add(Bandwidth.builder().capacity(perDay).refillGreedy(perDay, Duration.ofDays(1))
                    .id("day").build());
        }
        return list.toArray(Bandwidth[]::new);
    }

    private static long toSecondsCeil(long nanos) {
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L);
    }
}
