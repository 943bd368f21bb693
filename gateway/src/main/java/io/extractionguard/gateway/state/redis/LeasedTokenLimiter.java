package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

import org.redisson.api.RedissonClient;

import com.github.benmanes.caffeine.cache.Cache;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.limits.TokenOutcome;
import io.github.bucket4j.BucketConfiguration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Token budgets shared by all replicas: per account one Bucket4j bucket of input and one of output
 * tokens in Redis (the source of truth), spent through local leases exactly like the request limits
 * ({@link LeasedRateLimiter}, {@link BucketLease}), so admission never waits for Redis.
 *
 * <p>A request reserves its bound from the lease at admission (its {@code max_tokens}, capped at the
 * tightest window; its estimated input); the reconciliation gives the unused part back to the lease
 * or takes the excess, and idle leases go back to Redis. A replica admits at most one small lease or
 * one reservation ahead of Redis; once Redis reports the bucket depleted it admits nothing beyond what
 * it holds. So over a window the fleet serves at most the budget plus about one reservation per
 * replica — where a per-replica budget would multiply it by the number of replicas.
 *
 * <p>While Redis is unreachable: as the request limits, each replica spends what it holds, then what
 * the shared bucket was estimated to hold, as debt charged when Redis returns; for an account it
 * never had an answer about, a local budget decides.
 */
public final class LeasedTokenLimiter implements TokenLimiter, AutoCloseable {

    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final LocalTokenLimiter fallback;
    private final Cache<LeasedRateLimiter.LeaseKey, BucketLease> leases;
    private final BucketLease.Context context;
    private final double leaseFraction;
    private final double largeLeaseFraction;

    public LeasedTokenLimiter(RedissonClient client, RedisKeys keys, RedisAvailability availability, Clock clock,
                              RedisStateProperties props, ScheduledExecutorService scheduler, MeterRegistry meters) {
        this.keys = keys;
        this.availability = availability;
        this.fallback = new LocalTokenLimiter(clock);
        this.leaseFraction = props.limits().leaseFraction();
        this.largeLeaseFraction = props.limits().largeLeaseFraction();
        this.context = new BucketLease.Context(LeasedRateLimiter.buckets(client, clock, props), scheduler, availability,
                props.limits().idleReturn().toNanos(), LeasedRateLimiter.callTimeoutMillis(props),
                Counter.builder("guard.state.tokens.leases")
                        .description("Token-budget leases requested from the Redis buckets (one compare-and-swap each)")
                        .register(meters),
                Counter.builder("guard.state.tokens.provisional")
                        .description("Token reservations admitted ahead of Redis (charged with the next lease)")
                        .register(meters),
                Counter.builder("guard.state.tokens.returned")
                        .description("Unused leased budget tokens given back to Redis")
                        .register(meters),
                1);
        this.leases = LeasedRateLimiter.leaseCache(props, scheduler);
        LeasedRateLimiter.settleEvery(scheduler, availability, leases, context.owing(), props.limits().idleReturn());
    }

    @Override
    public TokenOutcome check(String accountId, TokenBudget budget, double factor) {
        if (budget.unlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        if (!availability.available()) {
            return fallback.check(accountId, budget, factor);
        }
        long per = TokenLimiter.cost(1, factor);
        return new TokenOutcome(budget, factor, peek(lease(accountId, budget, true), per),
                peek(lease(accountId, budget, false), per));
    }

    @Override
    public TokenOutcome reserve(String accountId, TokenBudget budget, double factor, long inputTokens, long outputTokens) {
        if (budget.unlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        BucketLease in = lease(accountId, budget, true);
        BucketLease out = lease(accountId, budget, false);
        long per = TokenLimiter.cost(1, factor);
        // a bound larger than the window could never be leased: it reserves the whole window instead
        long inCost = in == null ? 0 : Math.min(TokenLimiter.cost(inputTokens, factor), in.tightest());
        long outCost = out == null ? 0 : Math.min(TokenLimiter.cost(outputTokens, factor), out.tightest());
        if (!availability.available()) {
            return reserveOffline(accountId, budget, factor, inputTokens, outputTokens, in, inCost, out, outCost);
        }
        LimitOutcome inState = in == null ? LimitOutcome.UNLIMITED : in.acquire(Math.max(inCost, per), per);
        if (!inState.allowed()) {
            return new TokenOutcome(budget, factor, inState, peek(out, per));
        }
        LimitOutcome outState = out == null ? LimitOutcome.UNLIMITED : out.acquire(Math.max(outCost, per), per);
        if (!outState.allowed()) {
            if (in != null) {
                in.credit(Math.max(inCost, per));
            }
            return new TokenOutcome(budget, factor, peek(in, per), outState);
        }
        return new TokenOutcome(budget, factor, LocalTokenLimiter.admitted(inState), LocalTokenLimiter.admitted(outState),
                reserved(in, Math.max(inCost, per), factor), reserved(out, Math.max(outCost, per), factor));
    }

    /** During an outage: the leases' estimate of the shared buckets where known, else a local budget (owed to Redis). */
    private TokenOutcome reserveOffline(String accountId, TokenBudget budget, double factor, long inputTokens,
                                        long outputTokens, BucketLease in, long inCost, BucketLease out, long outCost) {
        LimitOutcome inKnown = in == null ? LimitOutcome.UNLIMITED : in.acquireOffline(inCost);
        LimitOutcome outKnown = out == null ? LimitOutcome.UNLIMITED : out.acquireOffline(outCost);
        if (inKnown != null && outKnown != null) {
            if (inKnown.allowed() && outKnown.allowed()) {
                return new TokenOutcome(budget, factor, inKnown, outKnown, reserved(in, inCost, factor),
                        reserved(out, outCost, factor));
            }
            // one direction admitted: give it back, nothing is reserved for a refused request
            if (inKnown.allowed() && in != null) {
                in.credit(inCost);
            }
            if (outKnown.allowed() && out != null) {
                out.credit(outCost);
            }
            return new TokenOutcome(budget, factor, inKnown, outKnown);
        }
        TokenOutcome local = fallback.reserve(accountId, budget, factor, inputTokens, outputTokens);
        if (local.allowed()) {
            if (in != null) {
                in.owe(inCost);
            }
            if (out != null) {
                out.owe(outCost);
            }
        }
        return local;
    }

    @Override
    public TokenOutcome settle(String accountId, TokenOutcome admitted, long inputTokens, long outputTokens) {
        if (admitted.isUnlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        TokenBudget budget = admitted.budget();
        double factor = admitted.factor();
        long per = TokenLimiter.cost(1, factor);
        BucketLease in = lease(accountId, budget, true);
        BucketLease out = lease(accountId, budget, false);
        adjust(in, admitted.reservedInput(), inputTokens, factor);
        adjust(out, admitted.reservedOutput(), outputTokens, factor);
        return new TokenOutcome(budget, factor, peek(in, per), peek(out, per));
    }

    /** Moves a lease from the reserved to the used tokens: credits the unused part or debits the excess. */
    private static void adjust(BucketLease lease, long reserved, long used, double factor) {
        if (lease == null) {
            return;
        }
        long delta = TokenLimiter.cost(used, factor) - TokenLimiter.cost(reserved, factor);
        if (delta < 0) {
            lease.credit(-delta);
        } else if (delta > 0) {
            lease.debit(delta);
        }
    }

    /** Tokens (base rate) a reservation of {@code units} stands for; 0 for a direction without a budget. */
    private static long reserved(BucketLease lease, long units, double factor) {
        return lease == null ? 0 : (long) Math.floor(units * Math.min(1.0, Math.max(0.001, factor)));
    }

    private static LimitOutcome peek(BucketLease lease, long per) {
        return lease == null ? LimitOutcome.UNLIMITED : lease.peek(per, per);
    }

    /** The lease of one direction's shared bucket, or null when the budget sets none for it. */
    private BucketLease lease(String accountId, TokenBudget budget, boolean input) {
        BucketConfiguration config = LocalTokenLimiter.configuration(budget, input);
        if (config == null) {
            return null;
        }
        LeasedRateLimiter.LeaseKey key = input
                ? new LeasedRateLimiter.LeaseKey(accountId, "tk-in", budget.inputPerMinute(), budget.inputPerDay())
                : new LeasedRateLimiter.LeaseKey(accountId, "tk-out", budget.outputPerMinute(), budget.outputPerDay());
        return leases.get(key, k -> new BucketLease(context, k.redisKey(keys), config, 1, 1, leaseFraction, largeLeaseFraction));
    }

    /** Returns every unused lease (shutdown), waiting briefly. */
    @Override
    public void close() {
        LeasedRateLimiter.returnAll(leases);
    }
}
