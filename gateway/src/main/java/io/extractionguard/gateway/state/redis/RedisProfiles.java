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
 * <li>{@link ProfileHash}, durability: an account changed here has its shipped changes written to its
 *     hash as one change record at most every {@code durable-interval} (and at shutdown), with this
 *     replica's high-water mark = the last batch whose changes the hash now includes. A cold load reads
 *     the hash and adds, per replica, the retained stream changes after its high-water mark, plus what
 *     this replica has not shipped yet — every change exactly once. Records are compacted into the
 *     snapshot on load once there are {@code compact-after} of them.</li>
 * </ul>
 */
final class RedisProfiles {

    private static final Logger log = LoggerFactory.getLogger(RedisProfiles.class);

    private final RedisKeys keys;
    private final ProfileHash hash;
    private final OwnChanges own;
    private final ProfileCache cache;
    private final ProfileStream stream;

    RedisProfiles(RedissonClient client, RedisKeys keys, WriteBehind writer, RedisAvailability availability,
                  String replicaId, RedisStateProperties props, Duration accountTtl, MeterRegistry meters) {
        this.keys = keys;
        Counter corrupt = Counter.builder("guard.state.decode.errors")
                .description("Stored profile or verdict blobs that could not be decoded and were skipped")
                .register(meters);
        RecentChanges recent = new RecentChanges(props.sync().streamRetention().toMillis());
        this.hash = new ProfileHash(client, replicaId, accountTtl.toMillis(), props.sync().compactAfter(),
                accountTtl.toNanos() / 7, corrupt, meters);
        this.own = new OwnChanges(keys, writer, availability, hash, this::knownHash, props.sync().bufferAccounts(),
                props.sync().durableInterval().toNanos(), meters);
        this.cache = new ProfileCache(props.nearCache(), keys, writer, availability, own, recent, hash, corrupt, meters);
        this.stream = new ProfileStream(client, keys, availability, replicaId, own, cache, recent, props, corrupt, meters);
    }

    private ProfileHash.Known knownHash(String account) {
        return cache.known(account);
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
     * The account's hash alone (snapshot ⊕ change records), read now: what a cold load will have once the
     * retained stream no longer holds the changes. For the convergence check's durability test.
     */
    CompletableFuture<AccountProfile> readHash(String account) {
        return hash.read(keys.profile(account));
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
        cache.loadAll(gap);
        own.queueDue(false);
    }

    /** Graceful shutdown: ships what is not shipped and queues every account's durable write (the caller drains). */
    void flushForShutdown() {
        stream.halt();
        own.queueDue(true);
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
