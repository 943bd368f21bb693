package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The fleet's shared state as a replica started now would load it, read through the gateway's own load
 * paths (no second reader that could drift from them): a fresh {@link RedisState} with a replica id of its
 * own reads the retained profile stream at start-up, then cold-loads each account (hash ⊕ the retained
 * stream changes after each replica's high-water mark); verdicts are its start-up re-read; campaign
 * evidence is counted in the per-account record streams ({@link RedisCampaignStore}); the shared buckets are read
 * through the limiter's Bucket4j proxy. It never writes a change (loads refresh key expiry only).
 */
public final class FleetView implements AutoCloseable {

    private final RedisState state;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Duration timeout;

    private FleetView(RedisStateProperties props) {
        this.timeout = props.connectTimeout().plus(props.timeout());
        this.state = new RedisState(props, Duration.ofDays(7), Clock.systemUTC(), meters);
    }

    /** Connects as a new replica would (the caller closes it); fails when Redis does not answer. */
    public static FleetView open(RedisStateProperties props) {
        FleetView view = new FleetView(props);
        if (!view.state.availability().available()) {
            view.close();
            throw new IllegalStateException("Redis at " + props.address() + " does not answer: no fleet state to read");
        }
        return view;
    }

    /** Each account's request total as a cold load sees it (accounts not stored: 0). */
    public Map<String, Long> requestTotals(Collection<String> accounts, Duration wait) throws InterruptedException {
        Map<String, Long> totals = new HashMap<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (String account : accounts) {
                if (!totals.containsKey(account)) {
                    state.store().loadedProfile(account).map(AccountProfile::totalRequests)
                            .ifPresent(t -> totals.put(account, t));
                }
            }
            if (totals.size() == accounts.size()) {
                return totals;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException((accounts.size() - totals.size()) + " of " + accounts.size()
                        + " profiles did not load from Redis within " + wait);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Each account's request total in its hash alone: what cold loads keep once the retained stream has
     * been trimmed (every replica writes its changes to the hash within {@code durable-interval}).
     */
    public Map<String, Long> durableTotals(Collection<String> accounts) throws Exception {
        Map<String, java.util.concurrent.CompletableFuture<AccountProfile>> reads = new HashMap<>();
        accounts.forEach(a -> reads.put(a, state.store().storedProfile(a)));
        Map<String, Long> totals = new HashMap<>();
        for (var e : reads.entrySet()) {
            totals.put(e.getKey(), e.getValue().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .totalRequests());
        }
        return totals;
    }

    public Optional<Verdict> verdict(String account) {
        return state.store().verdict(account, Instant.now());
    }

    /** What the account's shared bucket for {@code limits} was charged in its longest window, in requests' worth. */
    public double charged(String account, TierLimits limits) throws Exception {
        return (double) state.limiter().chargedUnits(account, limits, timeout) / RateLimiter.UNITS_PER_REQUEST;
    }

    /** Campaign account entries the fleet holds in Redis (one per account, replica and batch, the newest kept). */
    public long campaignRecords() {
        long entries = 0;
        for (String key : state.client().getKeys().getKeysByPattern(state.keys().prefix() + ":{ca:*")) {
            entries += state.client().getStream(key, org.redisson.client.codec.ByteArrayCodec.INSTANCE).size();
        }
        return entries;
    }

    /** Of {@code accounts}, those with no campaign records in Redis. */
    public java.util.Set<String> campaignAccountsMissing(Collection<String> accounts) {
        java.util.Set<String> missing = new java.util.TreeSet<>();
        for (String account : accounts) {
            String key = state.keys().campaignAccount(io.extractionguard.engine.campaign.Indicators.accountHash(account));
            if (state.client().getKeys().countExists(key) == 0) {
                missing.add(account);
            }
        }
        return missing;
    }

    /** Accounts with campaign records in Redis. */
    public long campaignAccounts() {
        long n = 0;
        for (String ignored : state.client().getKeys().getKeysByPattern(state.keys().prefix() + ":{ca:*")) {
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        state.close();
    }
}
