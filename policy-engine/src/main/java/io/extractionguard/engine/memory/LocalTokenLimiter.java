package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;


import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.spi.TokenLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucket;

/**
 * Token budgets as Bucket4j buckets in process memory: per account one bucket of input tokens and
 * one of output tokens, each with the tier's per-minute and per-day bandwidths, timed by the
 * injected clock (so replay simulates them on the trace's clock). One bucket token is one model
 * token at the base rate. Idle buckets are evicted after a day; a policy change that alters a
 * tier's budget reconfigures existing buckets, keeping their fill ratio.
 *
 * <p>The static {@link #inspect} and {@link #adjust} work on any {@link Bucket}.
 */
public final class LocalTokenLimiter implements TokenLimiter {

    private record Entry(TokenBudget budget, LocalBucket input, LocalBucket output) {
    }

    private static final long MAX_ACCOUNTS = 2_000_000;
    private static final Duration IDLE = Duration.ofDays(1);

    private final AccountEntries<Entry> buckets;
    private final TimeMeter timeMeter;

    public LocalTokenLimiter(Clock clock) {
        this(clock, MAX_ACCOUNTS);
    }

    public LocalTokenLimiter(Clock clock, long maxAccounts) {
        this(clock, AccountEntries.concurrent(clock, maxAccounts, IDLE));
    }

    private LocalTokenLimiter(Clock clock, AccountEntries<Entry> buckets) {
        this.timeMeter = new ClockTimeMeter(clock);
        this.buckets = buckets;
    }

    /** The same limiter for a caller on one thread (the replay): see {@link AccountEntries#singleThreaded}. */
    public static LocalTokenLimiter singleThreaded(Clock clock) {
        return new LocalTokenLimiter(clock, AccountEntries.singleThreaded(clock, MAX_ACCOUNTS, IDLE));
    }

    @Override
    public TokenOutcome check(String accountId, TokenBudget budget, double factor) {
        if (budget.unlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        Entry e = entry(accountId, budget);
        return new TokenOutcome(budget, factor, inspect(e.input(), factor), inspect(e.output(), factor));
    }

    @Override
    public TokenOutcome reserve(String accountId, TokenBudget budget, double factor, long inputTokens,
                                long outputTokens) {
        if (budget.unlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        Entry e = entry(accountId, budget);
        synchronized (e) { // check and reserve as one step: two requests cannot both take the last token
            LimitOutcome in = inspect(e.input(), factor);
            LimitOutcome out = inspect(e.output(), factor);
            if (!in.allowed() || !out.allowed()) {
                return new TokenOutcome(budget, factor, in, out);
            }
            long reservedIn = e.input() == null ? 0 : Math.max(0, inputTokens);
            long reservedOut = e.output() == null ? 0 : Math.max(0, outputTokens);
            return new TokenOutcome(budget, factor, admitted(adjust(e.input(), 0, reservedIn, factor)),
                    admitted(adjust(e.output(), 0, reservedOut, factor)), reservedIn, reservedOut);
        }
    }

    @Override
    public TokenOutcome settle(String accountId, TokenOutcome admitted, long inputTokens, long outputTokens) {
        if (admitted.isUnlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        Entry e = entry(accountId, admitted.budget());
        double factor = admitted.factor();
        return new TokenOutcome(admitted.budget(), factor, adjust(e.input(), admitted.reservedInput(), inputTokens, factor),
                adjust(e.output(), admitted.reservedOutput(), outputTokens, factor));
    }

    /**
     * {@link #settle} with no usage without reading the buckets' state back (a fifth of a replayed
     * request's token work): the same tokens go back, and the refill a read would have done at this
     * instant is done by {@code addTokens} at the same instant.
     */
    @Override
    public void release(String accountId, TokenOutcome admitted) {
        if (admitted.isUnlimited()) {
            return;
        }
        Entry e = entry(accountId, admitted.budget());
        double factor = admitted.factor();
        giveBack(e.input(), admitted.reservedInput(), factor);
        giveBack(e.output(), admitted.reservedOutput(), factor);
    }

    /** {@link #adjust}({@code bucket}, {@code reserved}, 0, {@code factor}) without its closing {@link #inspect}. */
    private static void giveBack(Bucket bucket, long reserved, double factor) {
        if (bucket == null) {
            return;
        }
        long delta = TokenLimiter.cost(0, factor) - TokenLimiter.cost(reserved, factor);
        if (delta > 0) {
            bucket.consumeIgnoringRateLimits(delta);
        } else if (delta < 0) {
            bucket.addTokens(-delta);
        }
    }

    /**
     * The state of one direction's bucket (null: the direction has no budget): allowed while every
     * bandwidth has at least one token.
     */
    static LimitOutcome inspect(Bucket bucket, double factor) {
        if (bucket == null) {
            return LimitOutcome.UNLIMITED;
        }
        VerboseResult<EstimationProbe> result = bucket.asVerbose().estimateAbilityToConsume(1);
        EstimationProbe probe = result.getValue();
        return LocalRateLimiter.describe(probe.canBeConsumed(), result.getConfiguration().getBandwidths(),
                result.getDiagnostics().getAvailableTokensPerEachBandwidth(), 1, 1.0 / clampFactor(factor),
                probe.getNanosToWaitForRefill());
    }

    /** The state after an admitted request's reservation: admitted, whatever its reservation left. */
    public static LimitOutcome admitted(LimitOutcome after) {
        return after.allowed() || after.isUnlimited() ? after
                : new LimitOutcome(true, after.limit(), after.windowSeconds(), 0, after.resetSeconds(), 0);
    }

    /**
     * Moves a bucket (null: no budget) from {@code reserved} to {@code used} tokens at {@code factor}:
     * takes the difference (allowing debt) or gives it back.
     */
    static LimitOutcome adjust(Bucket bucket, long reserved, long used, double factor) {
        if (bucket == null) {
            return LimitOutcome.UNLIMITED;
        }
        long delta = TokenLimiter.cost(used, factor) - TokenLimiter.cost(reserved, factor);
        if (delta > 0) {
            bucket.consumeIgnoringRateLimits(delta);
        } else if (delta < 0) {
            bucket.addTokens(-delta);
        }
        return inspect(bucket, factor);
    }

    private Entry entry(String accountId, TokenBudget budget) {
        // the usual case, live buckets under the same budget: a read (it touches the entry as the compute did)
        Entry live = buckets.getIfPresent(accountId);
        if (live != null && (live.budget() == budget || live.budget().equals(budget))) {
            return live;
        }
        return buckets.compute(accountId, (k, existing) -> {
            if (existing == null) {
                return new Entry(budget, bucket(null, input(budget)), bucket(null, output(budget)));
            }
            if (!existing.budget().equals(budget)) {
                return new Entry(budget, bucket(existing.input(), input(budget)),
                        bucket(existing.output(), output(budget)));
            }
            return existing;
        });
    }

    /** A bucket with these bandwidths: the existing one reconfigured, a new one, or null for none. */
    private LocalBucket bucket(LocalBucket existing, Bandwidth[] bandwidths) {
        if (bandwidths.length == 0) {
            return null;
        }
        if (existing == null) {
            return LocalRateLimiter.newBucket(timeMeter, bandwidths);
        }
        existing.replaceConfiguration(LocalRateLimiter.configuration(bandwidths),
                TokensInheritanceStrategy.PROPORTIONALLY);
        return existing;
    }

    /** The Bucket4j configuration of a budget's input (or output) tokens; null when it sets none. */
    public static BucketConfiguration configuration(TokenBudget budget, boolean input) {
        Bandwidth[] bandwidths = input ? input(budget) : output(budget);
        return bandwidths.length == 0 ? null : LocalRateLimiter.configuration(bandwidths);
    }

    static Bandwidth[] input(TokenBudget budget) {
        return LocalRateLimiter.bandwidths(budget.inputPerMinute(), budget.inputPerDay());
    }

    static Bandwidth[] output(TokenBudget budget) {
        return LocalRateLimiter.bandwidths(budget.outputPerMinute(), budget.outputPerDay());
    }

    private static double clampFactor(double factor) {
        return Math.min(1.0, Math.max(0.001, factor));
    }
}
