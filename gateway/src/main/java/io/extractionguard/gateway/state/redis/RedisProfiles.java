package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Account profiles shared through Redis, served from a near cache. Wires five parts together:
 *
 * <ul>
 * <li>{@link ProfileCache}, the near cache: per account its merged view, loaded in the background;</li>
 * <li>{@link OwnChanges}, the changes this replica made and has not yet shared, per account;</li>
 * <li>{@link ProfileStream}: every {@code stream-interval} the changes of <em>all</em> accounts go out as
 *     one entry of the profile stream, and every replica merges the other replicas' changes into the
 *     accounts it holds. Profiles merge commutatively ({@link AccountProfile#merge}), so order does not
 *     matter and nothing is overwritten;</li>
 * <li>{@link RecentChanges}: the changes the stream retains ({@code stream-retention}), for cold loads;</li>
 * <li>{@link ProfileBuckets}, durability: accounts are spread over {@code durable-buckets} bucket hashes, one
 *     field per account holding its whole profile as this replica's view had it and, per replica, the last
 *     stream batch it includes. Every {@code durable-interval} (and at shutdown) a bucket with accounts changed
 *     here gets the records of all of them in one script call, taken only where they include everything the
 *     stored record does. A cold load reads the record and adds, per replica, the retained stream changes
 *     after its mark, plus what this replica has not shipped yet — every change exactly once.</li>
 * </ul>
 */
final class RedisProfiles {

    private static final Logger log = LoggerFactory.getLogger(RedisProfiles.class);

    private final ProfileBuckets buckets;
    private final OwnChanges own;
    private final ProfileCache cache;
    private final ProfileStream stream;

    RedisProfiles(RedissonClient client, RedisKeys keys, WriteBehind writer, RedisAvailability availability,
                  String replicaId, RedisStateProperties props, Duration accountTtl, MeterRegistry meters) {
        Counter corrupt = Counter.builder("guard.state.decode.errors")
                .description("Stored profile or verdict blobs that could not be decoded and were skipped")
                .register(meters);
        RedisStateProperties.Sync sync = props.sync();
        RecentChanges recent = new RecentChanges(sync.streamRetention().toMillis());
        LegacyProfileHash legacy = sync.legacyProfiles() ? new LegacyProfileHash(client, keys, corrupt) : null;
        this.buckets = new ProfileBuckets(client, keys, writer, legacy, sync.durableBuckets(), accountTtl.toMillis(),
                2 * sync.streamRetention().toMillis(), sync.durableInterval().toNanos(), corrupt, meters);
        this.own = new OwnChanges(sync.bufferAccounts(), meters);
        this.cache = new ProfileCache(props.nearCache(), writer, availability, own, recent, buckets, corrupt, meters);
        buckets.onRefused(cache::reload);
        this.stream = new ProfileStream(client, keys, availability, replicaId, own, cache, recent, buckets, props, corrupt,
                meters);
    }

    /**
     * Starts tailing and waits until the retained stream is read (at most {@code timeout}, not at all
     * while Redis is unreachable), then starts shipping.
     */
    void start(Duration timeout) {
        stream.start(timeout);
    }

    ProfileStats observe(String account, Observation o, double prior) {
        return cache.observe(account, o, prior);
    }

    void recordUsage(String account, long atMillis, long in, long out) {
        cache.recordUsage(account, atMillis, in, out);
    }

    Optional<ProfileStats> peek(String account, Instant now, double prior) {
        return cache.peek(account, now, prior);
    }

    /**
     * The account's view once loaded from Redis (the hash ⊕ the retained stream changes ⊕ this replica's
     * own), as a copy; empty, with the load queued, before that. For the fleet's convergence check.
     */
    Optional<AccountProfile> loadedView(String account) {
        return cache.loadedView(account);
    }

    /**
     * The account's durable record alone, read now: what a cold load will have once the retained stream no
     * longer holds the changes. For the convergence check's durability test.
     */
    CompletableFuture<AccountProfile> readHash(String account) {
        return buckets.read(account).thenApply(ProfileBuckets.Stored::profile);
    }

    /** Number of accounts in the near cache (approximate). */
    long cachedAccounts() {
        return cache.size();
    }

    /**
     * After an outage (not on an event loop): queue the loads and durable writes that waited, and reload
     * every cached account only when the stream no longer holds everything after the last entry read
     * (trimmed past it, or Redis lost its data): a short blip keeps the views, the tail resumes where it was.
     */
    void requeueUnwritten() {
        boolean gap = stream.hasGap();
        if (gap) {
            log.warn("profiles: the profile stream lost entries this replica had not read; reloading {} cached accounts",
                    cache.size());
        }
        cache.loadAll(gap); // durable writes that waited: their buckets are still due, taken at the next interval
    }

    /**
     * Graceful shutdown: ships what is not shipped and queues every account's durable record (the caller drains
     * {@code writer}); accounts whose views were still loading are recorded after a first drain (up to half of
     * {@code timeout}) has loaded them.
     */
    void flushForShutdown(WriteBehind writer, Duration timeout) {
        stream.halt();
        if (stream.recordLoadedViewsPending()) {
            writer.drain(timeout.dividedBy(2));
            stream.recordLoadedViews();
        }
    }

    /** Stops tailing (after {@link #flushForShutdown} and the writer's drain). */
    void stopTailing() {
        stream.stopTailing();
    }

    /** Accounts whose changes made here are not all in Redis yet (shipped and durable). */
    int unwrittenAccounts() {
        return own.size();
    }
}
