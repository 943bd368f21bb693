package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.LocalRateLimiter;
import io.extractionguard.engine.limits.RateLimiter;
import io.extractionguard.engine.limits.TierLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
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

    private final AsyncProxyManager<String> buckets;
    private final ScheduledExecutorService scheduler;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final LocalRateLimiter fallback;
    private final Cache<String, Lease> leases;
    private final double leaseFraction;
    private final long minLeaseUnits;
    private final double largeLeaseFraction;
    private final long idleReturnNanos;
    private final long callTimeoutMillis; // a compare-and-swap is a read and a script, each with Redisson's timeout
    private final Counter leaseRequests;
    private final Counter provisional;
    private final Counter returned;

    public LeasedRateLimiter(RedissonClient client, RedisKeys keys, RedisAvailability availability, Clock clock,
                             RedisStateProperties props, ScheduledExecutorService scheduler, MeterRegistry meters) {
        this.keys = keys;
        this.availability = availability;
        this.scheduler = scheduler;
        this.fallback = new LocalRateLimiter(clock);
        this.leaseFraction = props.limits().leaseFraction();
        this.minLeaseUnits = props.limits().minLeaseRequests() * UNITS_PER_REQUEST;
        this.largeLeaseFraction = props.limits().largeLeaseFraction();
        this.idleReturnNanos = props.limits().idleReturn().toNanos();
        this.callTimeoutMillis = 2 * (props.connectTimeout().toMillis() + props.timeout().toMillis());
        this.buckets = Bucket4jRedisson.casBasedBuilder(((Redisson) client).getCommandExecutor())
                .clientClock(LocalRateLimiter.timeMeter(clock))
                .requestTimeout(props.timeout())
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .build()
                .asAsync();
        this.leases = Caffeine.newBuilder()
                .maximumSize(props.nearCache().maxAccounts())
                .expireAfterAccess(Duration.ofMinutes(10))
                .removalListener((String key, Lease lease, RemovalCause cause) -> {
                    if (lease != null) {
                        lease.settle(true);
                    }
                })
                .build();
        this.leaseRequests = Counter.builder("guard.state.limits.leases")
                .description("Token leases requested from the Redis buckets (one compare-and-swap each)")
                .register(meters);
        this.provisional = Counter.builder("guard.state.limits.provisional")
                .description("Requests admitted ahead of Redis on a replica's first sight of an account (charged later)")
                .register(meters);
        this.returned = Counter.builder("guard.state.limits.returned")
                .description("Unused leased request tokens given back to Redis")
                .register(meters);
        scheduler.scheduleWithFixedDelay(this::settleIdle, 500, 500, TimeUnit.MILLISECONDS);
        availability.onRecovery(() -> scheduler.execute(this::settleIdle)); // charge what was admitted meanwhile
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
        Lease lease = lease(accountId, limits);
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
        Lease lease = lease(accountId, limits);
        if (!availability.available()) {
            Boolean known = lease.wouldAdmitOffline(RateLimiter.cost(limitFactor));
            return known != null ? known : fallback.wouldAdmit(accountId, limits, limitFactor);
        }
        return lease.wouldAdmit(RateLimiter.cost(limitFactor));
    }

    private Lease lease(String accountId, TierLimits limits) {
        String key = keys.bucket(accountId, limits);
        return leases.get(key, k -> new Lease(k, limits));
    }

    private void settleIdle() {
        if (availability.available()) {
            leases.asMap().values().forEach(l -> l.settle(false));
        }
    }

    /** Returns every unused lease (shutdown), waiting briefly. */
    @Override
    public void close() {
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
        var result = buckets.builder().build(keys.bucket(accountId, limits), () -> CompletableFuture.completedFuture(config))
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

    /** A replica's share of one account's bucket. */
    private final class Lease {
        private final AsyncBucketProxy bucket;
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

        Lease(String key, TierLimits limits) {
            BucketConfiguration config = LocalRateLimiter.configuration(limits);
            this.bucket = buckets.builder().build(key, () -> CompletableFuture.completedFuture(config));
            this.bandwidths = config.getBandwidths();
            long tightest = Long.MAX_VALUE;
            for (Bandwidth b : bandwidths) {
                tightest = Math.min(tightest, b.getCapacity());
            }
            long units = (long) Math.floor(tightest * leaseFraction / UNITS_PER_REQUEST) * UNITS_PER_REQUEST;
            this.leaseUnits = Math.min(tightest, Math.max(minLeaseUnits, units));
            long large = (long) Math.floor(tightest * largeLeaseFraction / UNITS_PER_REQUEST) * UNITS_PER_REQUEST;
            this.largeUnits = Math.min(tightest, Math.max(leaseUnits, large));
            this.refillBelow = leaseUnits / 2;
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
            long now = System.nanoTime();
            lastUse = now;
            boolean admitted;
            if (takeHeld(cost)) {
                admitted = true;
            } else if (depleted || now < deniedUntil) {
                admitted = false;
            } else if (tokens - cost >= -Math.max(leaseUnits, cost)) {
                tokens -= cost; // ahead of Redis: charged when the lease arrives
                provisional.increment();
                admitted = true;
            } else {
                admitted = false;
            }
            if (!refilling && now >= deniedUntil && (tokens < refillBelow || !admitted)) {
                refill(cost, now);
            }
            return outcome(admitted, cost, now);
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

        synchronized boolean wouldAdmit(long cost) {
            return tokens >= cost || (!depleted && System.nanoTime() >= deniedUntil);
        }

        synchronized void owe(long cost) {
            owed += cost;
            lastUse = System.nanoTime();
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
            leaseRequests.increment();
            try {
                scheduler.execute(() -> {
                    try {
                        call(() -> bucket.asVerbose().tryConsumeAsMuchAsPossible(want))
                                .whenComplete((result, error) -> leased(want, cost, result, error));
                    } catch (RuntimeException e) {
                        leased(want, cost, null, e);
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
                    availability.failure(error);
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
            availability.success();
            if (force > 0) {
                charge(force, cost);
            }
        }

        /** Charges units admitted without a lease; the bucket may go negative. */
        private CompletableFuture<?> charge(long units, long cost) {
            return call(() -> bucket.asVerbose().consumeIgnoringRateLimits(units)).whenComplete((result, error) -> {
                synchronized (this) {
                    if (error != null) {
                        owed += units; // charged by a later settle pass
                        availability.failure(error);
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
                if (owed > 0 && !charging) {
                    debt = owed;
                    owed = 0;
                    charging = true;
                }
                if (!refilling && tokens > 0 && (all || System.nanoTime() - lastUse >= idleReturnNanos)) {
                    give = tokens;
                    tokens = 0;
                }
            }
            CompletableFuture<?> charged = CompletableFuture.completedFuture(null);
            if (debt > 0) {
                long units = debt;
                charged = call(() -> bucket.consumeIgnoringRateLimits(units)).whenComplete((v, error) -> {
                    synchronized (this) {
                        charging = false;
                        if (error != null) {
                            owed += units; // charged on a later pass
                        }
                    }
                });
            }
            if (give > 0) {
                long units = give;
                returned.increment((double) units / UNITS_PER_REQUEST);
                return CompletableFuture.allOf(charged, call(() -> bucket.addTokens(units)).whenComplete((v, error) -> {
                    // a return that timed out may have been applied: keeping it too could admit it twice, so only
                    // a return that certainly failed is taken back (a lost one costs under-admission, never more)
                    if (error != null && !(unwrap(error) instanceof TimeoutException)) {
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
         * which fails with a {@link TimeoutException} when no answer came in time. A call whose future never
         * completed (seen when Redis died under a lease request) left the lease refilling for good: the
         * requests admitted ahead of it were never charged and no lease was asked again.
         */
        private <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> op) {
            try {
                return op.get().copy().orTimeout(callTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private static Throwable unwrap(Throwable error) {
            return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
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

        /** Must hold the lock. The outcome with the binding window estimated from the last Redis answer. */
        private LimitOutcome outcome(boolean admitted, long cost, long now) {
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
            return new LimitOutcome(admitted, b.getCapacity() / UNITS_PER_REQUEST,
                    TimeUnit.NANOSECONDS.toSeconds(b.getRefillPeriodNanos()), usable / cost, resetSeconds, retry);
        }

        private static long seconds(long nanos) {
            return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L);
        }
    }
}
