package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RedissonClient;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.limits.TierLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Tier limits shared by all replicas: one Bucket4j bucket per account in Redis (the source of truth),
 * consumed through <em>local token leases</em>.
 *
 * <p>Why leases: the engine decides synchronously on the event loop, so a limiter must answer from
 * memory; and Bucket4j's Redis backends are compare-and-swap, whose retries pile up when many
 * requests hit one hot key (bucket4j #404, #407, #603). A replica therefore takes a lease of tokens
 * from the Redis bucket in one asynchronous CAS and admits requests from it locally, fetching the
 * next lease before it runs out. Redis sees one CAS per lease per replica — contention is bounded by
 * the number of replicas, not by the request rate.
 *
 * <p>The lease size adapts to how full the shared bucket was at the last answer: while every window
 * of it holds more than half its capacity (an ordinary account, far from its limit) the replica takes
 * a <em>large</em> lease ({@code large-lease-fraction} of the tightest window, 10 %) and fetches the
 * next one only when fewer than a tenth of it (or a small lease) remain — so a light account costs
 * one CAS per about fifty requests; near the limit (or on first sight) it takes the <em>small</em>
 * lease ({@code lease-fraction}, 1 %, at least {@code min-lease-requests}) and fetches again at half,
 * so a hot account's admissions follow the shared bucket closely.
 *
 * <p>Accuracy: tokens are taken from Redis before they are spent, so leases can only under-admit
 * (unused leases go back after {@code idle-return}). The one exception is an account a replica has
 * not seen yet (or whose bucket last had plenty): it may admit up to one lease ahead of Redis while
 * the first lease is fetched; that debt is charged to the Redis bucket when the lease arrives (the
 * bucket goes negative if need be, so the window absorbs it). Once Redis reports the bucket
 * depleted, the replica admits nothing beyond what it holds until the time the bucket needs to refill.
 *
 * <p>While Redis is unreachable each replica enforces the tier limits on its own and records what it
 * admitted as debt, charged to Redis (which may go negative) as soon as it returns. For an account it
 * has had an answer about, it spends what it holds, then what the shared bucket was estimated to hold
 * (the last answer plus refill since, less what it admitted since): an outage does not hand every
 * replica a full bucket for an account that had just emptied it. For an account it never had an answer
 * about, a local bucket of the tier's size decides.
 */
public final class LeasedRateLimiter implements RateLimiter, AutoCloseable {

    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final LocalRateLimiter fallback;
    private final Cache<LeaseKey, BucketLease> leases;
    private final BucketLease.Context context;
    private final double leaseFraction;
    private final long minLeaseUnits;
    private final double largeLeaseFraction;

    public LeasedRateLimiter(RedissonClient client, RedisKeys keys, RedisAvailability availability, Clock clock,
                             RedisStateProperties props, ScheduledExecutorService scheduler, MeterRegistry meters) {
        this.keys = keys;
        this.availability = availability;
        this.fallback = new LocalRateLimiter(clock);
        this.leaseFraction = props.limits().leaseFraction();
        this.minLeaseUnits = props.limits().minLeaseRequests() * UNITS_PER_REQUEST;
        this.largeLeaseFraction = props.limits().largeLeaseFraction();
        this.context = new BucketLease.Context(buckets(client, clock, props), scheduler, availability,
                props.limits().idleReturn().toNanos(), callTimeoutMillis(props),
                Counter.builder("guard.state.limits.leases")
                        .description("Token leases requested from the Redis buckets (one compare-and-swap each)")
                        .register(meters),
                Counter.builder("guard.state.limits.provisional")
                        .description("Requests admitted ahead of Redis on a replica's first sight of an account (charged later)")
                        .register(meters),
                Counter.builder("guard.state.limits.returned")
                        .description("Unused leased request tokens given back to Redis")
                        .register(meters),
                UNITS_PER_REQUEST);
        this.leases = leaseCache(props, scheduler);
        settleEvery(scheduler, availability, leases, context.owing(), props.limits().idleReturn());
    }

    /** How long a Bucket4j call may take: a compare-and-swap is a read and a script, each with Redisson's timeout. */
    static long callTimeoutMillis(RedisStateProperties props) {
        return 2 * (props.connectTimeout().toMillis() + props.timeout().toMillis());
    }

    /** The Redis buckets behind the leases, on the store's clock. */
    static RemoteBuckets buckets(RedissonClient client, Clock clock, RedisStateProperties props) {
        return new RemoteBuckets(client, clock, props);
    }

    /**
     * A lease's bucket, as the lease cache's key: the account, the kind of bucket and its two windows, so a
     * request finds its lease without building the Redis key ({@link #redisKey}, once per lease).
     */
    record LeaseKey(String account, String kind, long perMinute, long perDay) {
        String redisKey(RedisKeys keys) {
            return keys.account(account, kind + ":" + perMinute + ":" + perDay);
        }
    }

    /**
     * Leases of recently used buckets; one evicted returns its unused units (on {@code scheduler}: eviction
     * runs on whichever thread used the cache, and a request thread never enters the Redis client). Its
     * upkeep runs on the threads that use it, not on the common pool: waking a pool thread per request
     * cost more than the upkeep.
     */
    static Cache<LeaseKey, BucketLease> leaseCache(RedisStateProperties props, ScheduledExecutorService scheduler) {
        return Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(props.nearCache().maxAccounts())
                .expireAfterAccess(Duration.ofMinutes(10))
                .removalListener((LeaseKey key, BucketLease lease, RemovalCause cause) -> {
                    if (lease != null) {
                        try {
                            scheduler.execute(() -> lease.settle(true));
                        } catch (java.util.concurrent.RejectedExecutionException e) {
                            lease.settle(true); // shutting down: not a request thread
                        }
                    }
                })
                .build();
    }

    /**
     * Every half second (and at Redis's recovery: what was admitted meanwhile is charged) charges what is
     * owed, for the leases that marked themselves {@code owing}; gives idle leases back on a pass
     * over all of them every eighth of {@code idleReturn} (at least every half second, at most every 10 s),
     * so a lease goes back between {@code idleReturn} and 1.125 × it after its last use. Before, every half
     * second passed over every lease of the replica (10,000 accounts: 20,000 leases per second per limiter).
     */
    static void settleEvery(ScheduledExecutorService scheduler, RedisAvailability availability,
                            Cache<LeaseKey, BucketLease> leases, java.util.Set<BucketLease> owing, Duration idleReturn) {
        long fullEvery = Math.max(1, Math.min(20, idleReturn.toMillis() / 8 / 500));
        java.util.concurrent.atomic.AtomicLong passes = new java.util.concurrent.atomic.AtomicLong();
        Runnable settleAll = () -> {
            if (availability.available()) {
                leases.asMap().values().forEach(l -> l.settle(false));
            }
        };
        Runnable settle = () -> {
            if (!availability.available()) {
                return;
            }
            for (var it = owing.iterator(); it.hasNext(); ) {
                BucketLease l = it.next();
                it.remove(); // marked again if its charge fails
                l.settle(false);
            }
            if (passes.incrementAndGet() % fullEvery == 0) {
                leases.asMap().values().forEach(l -> l.settle(false));
            }
        };
        scheduler.scheduleWithFixedDelay(settle, 500, 500, TimeUnit.MILLISECONDS);
        availability.onRecovery(() -> scheduler.execute(settleAll));
    }

    @Override
    public LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor) {
        return tryAcquire(accountId, limits, limitFactor, 1);
    }

    @Override
    public LimitOutcome tryAcquire(String accountId, TierLimits limits, double limitFactor, int requests) {
        if (limits.unlimited()) {
            return LimitOutcome.UNLIMITED;
        }
        long cost = RateLimiter.cost(limitFactor) * requests;
        BucketLease lease = lease(accountId, limits);
        if (!availability.available()) {
            LimitOutcome known = lease.acquireOffline(cost);
            if (known != null) {
                return known;
            }
            LimitOutcome local = fallback.tryAcquire(accountId, limits, limitFactor, requests);
            if (local.allowed()) {
                lease.owe(cost);
            }
            return local;
        }
        return lease.acquire(cost);
    }

    @Override
    public boolean wouldAdmit(String accountId, TierLimits limits, double limitFactor) {
        if (limits.unlimited()) {
            return true;
        }
        BucketLease lease = lease(accountId, limits);
        if (!availability.available()) {
            Boolean known = lease.wouldAdmitOffline(RateLimiter.cost(limitFactor));
            return known != null ? known : fallback.wouldAdmit(accountId, limits, limitFactor);
        }
        return lease.wouldAdmit(RateLimiter.cost(limitFactor));
    }

    /** Whether this replica's lease request for the account's bucket is still unanswered (tests). */
    boolean leasing(String accountId, TierLimits limits) {
        BucketLease lease = leases.getIfPresent(key(accountId, limits));
        return lease != null && lease.leasing();
    }

    private BucketLease lease(String accountId, TierLimits limits) {
        return leases.get(key(accountId, limits), k -> new BucketLease(context, k.redisKey(keys),
                LocalRateLimiter.configuration(limits), UNITS_PER_REQUEST, minLeaseUnits, leaseFraction, largeLeaseFraction));
    }

    /** The lease's key; its Redis key is {@link RedisKeys#bucket}. */
    private static LeaseKey key(String accountId, TierLimits limits) {
        return new LeaseKey(accountId, "rl", limits.requestsPerMinute(), limits.requestsPerDay());
    }

    /** Returns every unused lease (shutdown), waiting briefly. */
    @Override
    public void close() {
        returnAll(leases);
    }

    static void returnAll(Cache<LeaseKey, BucketLease> leases) {
        CompletableFuture<?>[] all = leases.asMap().values().stream().map(l -> l.settle(true))
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: unreturned leases only make the limit stricter until the bucket refills
        }
    }

    /**
     * What the account's shared bucket has been charged in its longest window (the per-day one), in
     * {@link RateLimiter#UNITS_PER_REQUEST units}, read from Redis; leased tokens count as charged, the
     * window's refill is not subtracted. For the fleet's convergence check ({@link FleetView}).
     */
    long chargedUnits(String accountId, TierLimits limits, Duration timeout) throws Exception {
        BucketConfiguration config = LocalRateLimiter.configuration(limits);
        var result = context.buckets().proxies().builder().build(keys.bucket(accountId, limits),
                        () -> CompletableFuture.completedFuture(config))
                .asVerbose().getAvailableTokens().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long[] available = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
        Bandwidth[] windows = config.getBandwidths();
        int longest = 0;
        for (int i = 1; i < windows.length; i++) {
            if (windows[i].getRefillPeriodNanos() > windows[longest].getRefillPeriodNanos()) {
                longest = i;
            }
        }
        return windows[longest].getCapacity() - available[longest];
    }
}
