package io.extractionguard.gateway.state.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.spi.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.remote.RemoteVerboseResult;
import io.github.bucket4j.distributed.remote.commands.AddTokensCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeAsMuchAsPossibleCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeIgnoringRateLimitsCommand;
import io.github.bucket4j.distributed.remote.commands.VerboseCommand;
import io.micrometer.core.instrument.Counter;

/**
 * A replica's share of one shared Bucket4j bucket in Redis (see {@link LeasedRateLimiter} for the
 * scheme): units taken from Redis ahead of use and spent locally, fetched again before they run out,
 * given back when idle. Units are the bucket's own: a request is {@link RateLimiter#UNITS_PER_REQUEST}
 * of them for the request limiter, one token for token budgets ({@link LeasedTokenLimiter}).
 */
final class BucketLease {

    /** What the leases of one limiter share. */
    record Context(RemoteBuckets buckets, ScheduledExecutorService scheduler, RedisAvailability availability,
                   long idleReturnNanos, long callTimeoutMillis, Counter leaseRequests, Counter provisional, Counter returned,
                   long returnedPerCount, java.util.Set<BucketLease> owing) {
        Context(RemoteBuckets buckets, ScheduledExecutorService scheduler, RedisAvailability availability,
                long idleReturnNanos, long callTimeoutMillis, Counter leaseRequests, Counter provisional, Counter returned,
                long returnedPerCount) {
            this(buckets, scheduler, availability, idleReturnNanos, callTimeoutMillis, leaseRequests, provisional, returned,
                    returnedPerCount, java.util.concurrent.ConcurrentHashMap.newKeySet());
        }
    }

    /** A settle pass with nothing to send (most leases on most passes): no future allocated for it. */
    private static final CompletableFuture<Void> SETTLED = CompletableFuture.completedFuture(null);

    private final Context ctx;
    private final long unit;            // units per counted thing (a request, a token) in outcomes
    private final String key;
    private final BucketConfiguration config;
    private final Bandwidth[] bandwidths;
    private final long leaseUnits;      // the small lease (near the limit, first sight); also the most admitted ahead
    private final long largeUnits;      // the large lease (bucket more than half full)
    private long refillBelow;           // fetch the next lease when fewer tokens than this remain
    private long tokens;          // local units; negative = admitted ahead of Redis, charged with the next lease
    private long owed;            // units admitted by the local fallback during an outage, not yet charged
    private boolean refilling;
    private boolean charging;
    private boolean depleted;
    private long deniedUntil;     // System.nanoTime() before which Redis cannot have a request's worth
    private long lastUse = System.nanoTime();
    private long[] remote;        // units available in Redis per bandwidth after the last lease
    private long remoteAt;

    /**
     * @param unit               units per request (or token): leases are whole multiples of it
     * @param minLeaseUnits      the smallest lease
     * @param leaseFraction      the small lease, as a share of the tightest window
     * @param largeLeaseFraction the large lease, as a share of the tightest window
     */
    BucketLease(Context ctx, String key, BucketConfiguration config, long unit, long minLeaseUnits, double leaseFraction,
                double largeLeaseFraction) {
        this.ctx = ctx;
        this.unit = unit;
        this.key = key;
        this.config = config;
        this.bandwidths = config.getBandwidths();
        long tightest = tightest();
        long units = (long) Math.floor(tightest * leaseFraction / unit) * unit;
        this.leaseUnits = Math.min(tightest, Math.max(minLeaseUnits, units));
        long large = (long) Math.floor(tightest * largeLeaseFraction / unit) * unit;
        this.largeUnits = Math.min(tightest, Math.max(leaseUnits, large));
        this.refillBelow = leaseUnits / 2;
    }

    /** The capacity of the bucket's tightest window, in units. */
    long tightest() {
        long tightest = Long.MAX_VALUE;
        for (Bandwidth b : bandwidths) {
            tightest = Math.min(tightest, b.getCapacity());
        }
        return tightest;
    }

    /**
     * Must hold the lock. Whether every window of the shared bucket held more than half its capacity
     * at the last answer (with the refill since): then a large lease cannot starve another replica.
     */
    private boolean plenty(long now) {
        if (remote == null) {
            return false; // first sight: we do not know
        }
        for (int i = 0; i < bandwidths.length && i < remote.length; i++) {
            if (remoteNow(i, now) <= bandwidths[i].getCapacity() / 2.0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Must hold the lock. Whether the bucket's key has expired in Redis, unless another replica wrote it
     * since: never answered about here, or the last answer is older than the key's time to live (the time
     * the bucket needed to refill plus {@link RemoteBuckets#KEEP_AFTER_REFILL}), with a second's margin.
     */
    private boolean keyExpired(long now) {
        if (remote == null) {
            return true;
        }
        long refill = 0;
        for (int i = 0; i < bandwidths.length && i < remote.length; i++) {
            Bandwidth b = bandwidths[i];
            long missing = Math.max(0, b.getCapacity() - remote[i]);
            refill = Math.max(refill, (long) Math.ceil((double) missing * b.getRefillPeriodNanos() / b.getRefillTokens()));
        }
        long ttl = refill + RemoteBuckets.KEEP_AFTER_REFILL.toNanos();
        return now - remoteAt > ttl + TimeUnit.SECONDS.toNanos(1);
    }

    /** Must hold the lock. Units bandwidth {@code i} of the Redis bucket holds now, estimated from the last answer. */
    private long remoteNow(int i, long now) {
        Bandwidth b = bandwidths[i];
        if (remote == null || i >= remote.length) {
            return b.getCapacity();
        }
        double refilled = (double) (now - remoteAt) * b.getRefillTokens() / b.getRefillPeriodNanos();
        return (long) Math.min(b.getCapacity(), remote[i] + refilled);
    }

    synchronized LimitOutcome acquire(long cost) {
        return acquire(cost, cost);
    }

    /**
     * Takes {@code cost} units (from what is held, or up to one small lease ahead of Redis), reporting
     * what is left in things of {@code per} units (a token at a risk-tightened cost, for token budgets).
     */
    synchronized LimitOutcome acquire(long cost, long per) {
        long now = System.nanoTime();
        lastUse = now;
        boolean admitted;
        if (takeHeld(cost)) {
            admitted = true;
        } else if (depleted || now < deniedUntil) {
            admitted = false;
        } else if (tokens - cost >= -Math.max(leaseUnits, cost)) {
            tokens -= cost; // ahead of Redis: charged when the lease arrives
            ctx.provisional().increment();
            admitted = true;
        } else {
            admitted = false;
        }
        if (!refilling && now >= deniedUntil && (tokens < refillBelow || !admitted)) {
            refill(cost, now);
        }
        return outcome(admitted, cost, per, now);
    }

    /** Whether {@code cost} units would be admitted now, and what is left in things of {@code per} units; takes nothing. */
    synchronized LimitOutcome peek(long cost, long per) {
        long now = System.nanoTime();
        boolean admitted = tokens >= cost || (!depleted && now >= deniedUntil);
        return outcome(admitted, cost, per, now);
    }

    /** Gives back units taken but not used (a token reservation larger than the usage). */
    synchronized void credit(long units) {
        tokens += units;
        lastUse = System.nanoTime();
    }

    /** Takes units beyond what was taken (usage larger than its reservation): charged with the next lease or settle. */
    synchronized void debit(long units) {
        tokens -= units;
        lastUse = System.nanoTime();
        if (tokens < 0) {
            ctx.owing().add(this);
        }
    }

    /**
     * While Redis is unreachable: spends what this replica holds, then what the shared bucket was
     * estimated to hold at its last answer (with the refill since) less what was admitted here since,
     * as debt. Null when this replica never had an answer for the bucket.
     */
    synchronized LimitOutcome acquireOffline(long cost) {
        if (remote == null) {
            return null;
        }
        long now = System.nanoTime();
        lastUse = now;
        boolean admitted = takeHeld(cost);
        if (!admitted && offlineRoom(now) >= cost) {
            owed += cost;
            admitted = true;
        }
        return outcome(admitted, cost, now);
    }

    /** Must hold the lock. Spends {@code cost} of what this replica holds, if it holds that much. */
    private boolean takeHeld(long cost) {
        if (tokens < cost) {
            return false;
        }
        tokens -= cost;
        return true;
    }

    synchronized Boolean wouldAdmitOffline(long cost) {
        if (remote == null) {
            return null;
        }
        return tokens >= cost || offlineRoom(System.nanoTime()) >= cost;
    }

    /** Must hold the lock. Units the shared bucket is estimated to hold for this replica now, offline. */
    private long offlineRoom(long now) {
        long estimate = Long.MAX_VALUE;
        for (int i = 0; i < bandwidths.length; i++) {
            estimate = Math.min(estimate, remoteNow(i, now));
        }
        return estimate + Math.min(0, tokens) - owed; // less what was admitted ahead of Redis or offline
    }

    /** Whether a lease request to Redis is on its way (tests: a request sent now may find the lease not yet arrived). */
    synchronized boolean leasing() {
        return refilling;
    }

    synchronized boolean wouldAdmit(long cost) {
        return tokens >= cost || (!depleted && System.nanoTime() >= deniedUntil);
    }

    synchronized void owe(long cost) {
        owed += cost;
        lastUse = System.nanoTime();
        ctx.owing().add(this);
    }

    /**
     * Must hold the lock. Asks Redis for a lease that also covers what is owed, from the store's
     * thread: a request thread never enters the Redis client.
     */
    private void refill(long cost, long now) {
        refilling = true;
        boolean large = plenty(now);
        long target = large ? largeUnits : leaseUnits;
        refillBelow = large ? Math.max(leaseUnits, largeUnits / 10) : leaseUnits / 2;
        long want = target - tokens;
        if (want <= 0) {
            want = cost - tokens; // holding a lease's worth, but less than this (token) reservation
        }
        if (want <= 0) {
            refilling = false;
            return;
        }
        long wanted = want;
        boolean expired = keyExpired(now);
        ctx.leaseRequests().increment();
        try {
            ctx.scheduler().execute(() -> {
                try {
                    call(() -> ctx.buckets().createAndRun(key, config,
                                    VerboseCommand.from(new ConsumeAsMuchAsPossibleCommand(wanted)), expired)
                            .thenApply(RemoteVerboseResult::asLocal))
                            .whenComplete((result, error) -> leased(wanted, cost, result, error));
                } catch (RuntimeException e) {
                    leased(wanted, cost, null, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refilling = false; // shutting down
        }
    }

    private void leased(long want, long cost, VerboseResult<Long> result, Throwable error) {
        long force = 0;
        synchronized (this) {
            refilling = false;
            if (error != null) {
                // what was admitted ahead of this lease is charged with the outage debt; before, it waited for
                // the next lease, and an account that sent nothing more after the outage was never charged
                if (tokens < 0) {
                    owed -= tokens;
                    tokens = 0;
                }
                if (owed > 0) {
                    ctx.owing().add(this);
                }
                ctx.availability().failure(error);
                return;
            }
            tokens += result.getValue();
            depleted = result.getValue() < want;
            remote = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
            remoteAt = System.nanoTime();
            if (tokens < 0) {
                force = -tokens; // admitted ahead of Redis and Redis had no tokens left for it
                tokens = 0;
            }
            deniedUntil = depleted ? remoteAt + waitNanos(Math.max(0, cost - tokens), remote) : 0;
        }
        ctx.availability().success();
        if (force > 0) {
            charge(force, cost);
        }
    }

    /** Charges units admitted without a lease; the bucket may go negative. */
    private CompletableFuture<?> charge(long units, long cost) {
        return call(() -> ctx.buckets().createAndRun(key, config,
                VerboseCommand.from(new ConsumeIgnoringRateLimitsCommand(units))).thenApply(RemoteVerboseResult::asLocal)).whenComplete((result, error) -> {
            synchronized (this) {
                if (error != null) {
                    owed += units; // charged by a later settle pass
                    ctx.owing().add(this);
                    ctx.availability().failure(error);
                    return;
                }
                remote = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
                remoteAt = System.nanoTime();
                depleted = true;
                deniedUntil = remoteAt + waitNanos(cost, remote);
            }
        });
    }

    /**
     * Charges what the local fallback admitted during an outage, and gives idle unused tokens back
     * (or all of them, when {@code all}).
     */
    CompletableFuture<?> settle(boolean all) {
        long give = 0;
        long debt = 0;
        synchronized (this) {
            if (tokens < 0 && !refilling) {
                owed -= tokens; // taken beyond the lease (usage above its reservation) and no lease coming to cover it
                tokens = 0;
            }
            if (owed > 0 && !charging) {
                debt = owed;
                owed = 0;
                charging = true;
            }
            if (!refilling && tokens > 0 && (all || System.nanoTime() - lastUse >= ctx.idleReturnNanos())) {
                give = tokens;
                tokens = 0;
            }
        }
        CompletableFuture<?> charged = SETTLED;
        if (debt > 0) {
            long units = debt;
            charged = call(() -> ctx.buckets().createAndRun(key, config, new ConsumeIgnoringRateLimitsCommand(units))).whenComplete((v, error) -> {
                synchronized (this) {
                    charging = false;
                    if (error != null) {
                        owed += units; // charged on a later pass
                        ctx.owing().add(this);
                    }
                }
            });
        }
        if (give > 0) {
            long units = give;
            ctx.returned().increment((double) units / ctx.returnedPerCount());
            // a missing bucket has expired and would be created full: nothing to give back to
            return CompletableFuture.allOf(charged, call(() -> ctx.buckets().runIfPresent(key, new AddTokensCommand(units)))
                    .whenComplete((v, error) -> {
                        // taken back on any failure, a timeout included (a return whose answer never came used to
                        // leave the tokens nowhere): if Redis applied it after all, one lease is admitted twice
                        if (error != null) {
                            synchronized (this) {
                                tokens += units;
                            }
                        }
                    }));
        }
        return charged;
    }

    /**
     * A Bucket4j call whose synchronous failure (client not connected) becomes a failed future, and
     * which fails with a {@code TimeoutException} when no answer came in time. A call whose future never
     * completed (seen when Redis died under a lease request) left the lease refilling for good: the
     * requests admitted ahead of it were never charged and no lease was asked again.
     */
    private <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> op) {
        try {
            return op.get().copy().orTimeout(ctx.callTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Time until every bandwidth has {@code units} more than {@code available}. */
    private long waitNanos(long units, long[] available) {
        long wait = 0;
        for (int i = 0; i < bandwidths.length && i < available.length; i++) {
            long missing = units - available[i];
            if (missing > 0) {
                Bandwidth b = bandwidths[i];
                wait = Math.max(wait, (long) Math.ceil((double) missing * b.getRefillPeriodNanos() / b.getRefillTokens()));
            }
        }
        return wait;
    }

    /**
     * Must hold the lock. The outcome with the binding window estimated from the last Redis answer:
     * the limit in counted things ({@code unit}s), what is left in things of {@code cost} units.
     */
    private LimitOutcome outcome(boolean admitted, long cost, long now) {
        return outcome(admitted, cost, cost, now);
    }

    /** Must hold the lock. As {@link #outcome(boolean, long, long)}, counting what is left in things of {@code per} units. */
    private LimitOutcome outcome(boolean admitted, long cost, long per, long now) {
        int binding = 0;
        long bindingAvailable = Long.MAX_VALUE;
        for (int i = 0; i < bandwidths.length; i++) {
            long available = remoteNow(i, now);
            if (available < bindingAvailable) {
                bindingAvailable = available;
                binding = i;
            }
        }
        Bandwidth b = bandwidths[binding];
        long usable = admitted ? Math.max(0, bindingAvailable) + Math.max(0, tokens) : 0;
        long missing = Math.max(0, b.getCapacity() - Math.max(0, bindingAvailable));
        long resetSeconds = seconds((long) ((double) missing * b.getRefillPeriodNanos() / b.getRefillTokens()));
        long retry = admitted ? 0 : Math.max(1, seconds(Math.max(deniedUntil - now, waitNanos(cost, remote == null
                ? new long[0] : remote))));
        return new LimitOutcome(admitted, b.getCapacity() / unit,
                TimeUnit.NANOSECONDS.toSeconds(b.getRefillPeriodNanos()), usable / per, resetSeconds, retry);
    }

    private static long seconds(long nanos) {
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L);
    }
}
