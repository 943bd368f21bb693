package io.extractionguard.engine.limits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.state.ClockTicker;
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

    private final Cache<String, Entry> buckets;
    private final TimeMeter timeMeter;

    public LocalRateLimiter(Clock clock) {
        this(clock, 2_000_000);
    }

    public LocalRateLimiter(Clock clock, long maxBuckets) {
        this.timeMeter = timeMeter(clock);
        this.buckets = Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .maximumSize(maxBuckets)
                .expireAfterAccess(Duration.ofDays(1))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor) {
        if (limits.unlimited()) {
            return LimitOutcome.UNLIMITED;
        }
        return consume(bucket(accountId, limits), limits, limitFactor);
    }

    @Override
    public boolean wouldAdmit(String accountId, TierLimits limits, double limitFactor) {
        return limits.unlimited()
                || bucket(accountId, limits).estimateAbilityToConsume(RateLimiter.cost(limitFactor)).canBeConsumed();
    }

    private LocalBucket bucket(String accountId, TierLimits limits) {
        Entry entry = buckets.asMap().compute(accountId, (k, existing) -> {
            if (existing == null) {
                var builder = io.github.bucket4j.Bucket.builder()
                        .withCustomTimePrecision(timeMeter)
                        .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED);
                for (Bandwidth b : bandwidths(limits)) {
                    builder.addLimit(b);
                }
                return new Entry(limits, builder.build());
            }
            if (!existing.limits().equals(limits)) {
                existing.bucket().replaceConfiguration(configuration(limits), TokensInheritanceStrategy.PROPORTIONALLY);
                return new Entry(limits, existing.bucket());
            }
            return existing;
        });
        return entry.bucket();
    }

    /**
     * Consumes {@code cost} and reports the binding window: the bandwidth with the fewest tokens
     * left, its request quota, what remains of it and when it is full again.
     */
    static LimitOutcome consume(io.github.bucket4j.Bucket bucket, TierLimits limits, double limitFactor) {
        long cost = RateLimiter.cost(limitFactor);
        VerboseResult<ConsumptionProbe> result = bucket.asVerbose().tryConsumeAndReturnRemaining(cost);
        ConsumptionProbe probe = result.getValue();
        Bandwidth[] bandwidths = result.getConfiguration().getBandwidths();
        long[] available = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
        int binding = 0;
        for (int i = 1; i < bandwidths.length; i++) {
            if (available[i] < available[binding]) {
                binding = i;
            }
        }
        Bandwidth b = bandwidths[binding];
        long capacity = b.getCapacity();
        long missing = Math.max(0, capacity - Math.max(0, available[binding]));
        long resetNanos = (long) ((double) missing / b.getRefillTokens() * b.getRefillPeriodNanos());
        long retry = probe.isConsumed() ? 0 : Math.max(1, toSecondsCeil(probe.getNanosToWaitForRefill()));
        return new LimitOutcome(probe.isConsumed(), capacity / UNITS_PER_REQUEST,
                TimeUnit.NANOSECONDS.toSeconds(b.getRefillPeriodNanos()), Math.max(0, available[binding]) / cost,
                toSecondsCeil(resetNanos), retry);
    }

    /** Bucket4j time from the injected clock (wall-clock based, so distributed buckets may use it too). */
    public static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                Instant now = clock.instant();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /** The Bucket4j configuration of a tier's limits, in token units; shared with distributed limiters. */
    public static BucketConfiguration configuration(TierLimits limits) {
        var builder = BucketConfiguration.builder();
        for (Bandwidth b : bandwidths(limits)) {
            builder.addLimit(b);
        }
        return builder.build();
    }

    static Bandwidth[] bandwidths(TierLimits limits) {
        java.util.List<Bandwidth> list = new java.util.ArrayList<>(2);
        if (limits.requestsPerMinute() > 0) {
            long units = limits.requestsPerMinute() * UNITS_PER_REQUEST;
            list.add(Bandwidth.builder().capacity(units).refillGreedy(units, Duration.ofMinutes(1))
                    .id("minute").build());
        }
        if (limits.requestsPerDay() > 0) {
            long units = limits.requestsPerDay() * UNITS_PER_REQUEST;
            list.add(Bandwidth.builder().capacity(units).refillGreedy(units, Duration.ofDays(1))
                    .id("day").build());
        }
        return list.toArray(Bandwidth[]::new);
    }

    private static long toSecondsCeil(long nanos) {
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L);
    }
}
