package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.protocol.ScoredEntry;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.gateway.challenge.RemoteChallengeLedger;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The challenge ledger shared through Redis (protocol and guarantees: {@code docs/challenge.md}).
 *
 * <ul>
 *   <li><b>Nonces</b>: {@code SET prefix:pow-nonce:<nonce> NX PX <until challenge expiry>}: exactly
 *   one replica redeems a solution, whichever it reaches.</li>
 *   <li><b>Passes</b>: {@code prefix:{account}:pass} holds the requests left; a grant sets it (keeping
 *   one request reserved for the granting request) and announces the grant on
 *   {@code prefix:pass-events}, so every replica learns that the account holds a pass. A replica
 *   takes requests one at a time with an atomic decrement-if-positive and keeps the request reserved
 *   locally until a CHALLENGE decision consumes it; the engine's {@link #consumePass} only takes a
 *   reserved request (local memory). Every request let through was taken from the counter first, so
 *   the fleet admits at most the granted number; a request reserved on a replica the client does not
 *   come back to is lost, so a client spreading its requests over R replicas may get up to R-1
 *   fewer. Grants are also indexed in {@code prefix:pass-index} (a sorted set: account by expiry,
 *   expired members dropped on each grant), written before the announcement; a replica reads it each
 *   time its subscription is confirmed, so one that starts, or re-subscribes after an outage, also
 *   learns of the passes granted while it was not listening.</li>
 *   <li><b>Outage</b>: nonces are redeemed in a local ledger on fail-open routes (a solution could
 *   then be redeemed once per replica until the challenge expires); passes granted meanwhile are
 *   honoured on the granting replica only; passes granted elsewhere are not honoured (the client is
 *   challenged again). Fail-closed routes refuse requests while Redis is down.</li>
 * </ul>
 */
public final class RedisChallengeLedger implements RemoteChallengeLedger, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisChallengeLedger.class);

    /**
     * Sets the pass counter to the granted requests minus the one the granting request uses, expiring
     * with the pass, and announces the grant. KEYS[1] pass key; ARGV: remaining, expiry epoch ms,
     * channel, message.
     */
    static final String GRANT_PASS = """
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('PEXPIREAT', KEYS[1], ARGV[2])
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return 1
            """;

    /**
     * Indexes a grant: drops expired members, adds the account with its expiry and keeps the key until
     * the last pass in it expires. KEYS[1] index; ARGV: now ms, expiry ms, account.
     */
    static final String INDEX_PASS = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            redis.call('PEXPIREAT', KEYS[1], last[2])
            return 1
            """;

    /** Takes one request from a pass if any is left: 1 taken, 0 none left (or no pass). KEYS[1] pass key. */
    static final String TAKE_PASS = """
            local left = tonumber(redis.call('GET', KEYS[1]) or '0')
            if left > 0 then
              redis.call('DECR', KEYS[1])
              return 1
            end
            return 0
            """;

    /** What this replica knows of one account's pass. */
    private static final class Pass {
        final long expiresAtMillis;
        final AtomicInteger reserved;
        volatile boolean drained;

        Pass(long expiresAtMillis, int reserved) {
            this.expiresAtMillis = expiresAtMillis;
            this.reserved = new AtomicInteger(reserved);
        }

        boolean take() {
            int r;
            do {
                r = reserved.get();
                if (r <= 0) {
                    return false;
                }
            } while (!reserved.compareAndSet(r, r - 1));
            return true;
        }
    }

    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final Clock clock;
    private final String replicaId;
    private final Duration timeout;
    private final InMemoryChallengeLedger fallback;
    private final Cache<String, Pass> passes;
    private final Counter reservations;
    private final Counter indexReads;
    private volatile RTopic topic;

    RedisChallengeLedger(RedissonClient client, RedisKeys keys, RedisAvailability availability, Clock clock,
                         String replicaId, Duration timeout, MeterRegistry meters) {
        this.client = client;
        this.keys = keys;
        this.availability = availability;
        this.clock = clock;
        this.replicaId = replicaId;
        this.timeout = timeout;
        this.fallback = new InMemoryChallengeLedger(clock);
        this.passes = Caffeine.newBuilder()
                .maximumSize(1_000_000)
                .expireAfter(Expiry.<String, Pass>writing((k, p) ->
                        Duration.ofMillis(Math.max(0, p.expiresAtMillis - clock.millis()))))
                .build();
        this.reservations = Counter.builder("guard.challenge.pass.reservations")
                .description("Round trips to Redis taking one request of a shared proof-of-work pass")
                .register(meters);
        this.indexReads = Counter.builder("guard.challenge.pass.index.reads")
                .description("Reads of the shared pass index (at subscription: passes granted while not listening)")
                .register(meters);
        subscribe();
        availability.onRecovery(this::subscribe);
    }

    private String passKey(String accountId) {
        return keys.account(accountId, "pass");
    }

    private String channel() {
        return keys.global("pass-events");
    }

    private String index() {
        return keys.global("pass-index");
    }

    @Override
    public boolean redeem(String nonce, Instant expiresAt) {
        if (!availability.available()) {
            throw new StoreUnavailableException("Redis is unreachable: " + availability.lastError(), null);
        }
        Duration ttl = Duration.ofMillis(Math.max(1, expiresAt.toEpochMilli() - clock.millis()));
        return await(client.getBucket(keys.global("pow-nonce:" + nonce), StringCodec.INSTANCE)
                .setIfAbsentAsync("1", ttl).toCompletableFuture(), "redeem a challenge nonce");
    }

    @Override
    public void grantPass(String accountId, int requests, Instant expiresAt) {
        long until = expiresAt.toEpochMilli();
        if (requests <= 0) {
            return;
        }
        if (availability.available()) {
            try {
                String message = replicaId + "|" + until + "|" + accountId;
                // indexed before it is announced: a replica that subscribes too late for the announcement reads it
                await(client.getScript(StringCodec.INSTANCE).<Long>evalAsync(index(), RScript.Mode.READ_WRITE,
                        INDEX_PASS, RScript.ReturnType.LONG, List.of(index()),
                        Long.toString(clock.millis()), Long.toString(until), accountId)
                        .toCompletableFuture(), "index a pass");
                await(client.getScript(StringCodec.INSTANCE).<Long>evalAsync(passKey(accountId), RScript.Mode.READ_WRITE,
                        GRANT_PASS, RScript.ReturnType.LONG, List.of(passKey(accountId)),
                        Integer.toString(requests - 1), Long.toString(until), channel(), message)
                        .toCompletableFuture(), "grant a pass");
                passes.put(accountId, new Pass(until, 1));
                return;
            } catch (StoreUnavailableException e) {
                // fall through: the pass is honoured on this replica only
            }
        }
        passes.put(accountId, new Pass(until, requests));
    }

    @Override
    public boolean consumePass(String accountId, Instant now) {
        Pass p = passes.getIfPresent(accountId);
        return p != null && now.toEpochMilli() < p.expiresAtMillis && p.take();
    }

    @Override
    public boolean needsReservation(String accountId, Instant now) {
        Pass p = passes.getIfPresent(accountId);
        return p != null && !p.drained && p.reserved.get() <= 0 && now.toEpochMilli() < p.expiresAtMillis
                && availability.available();
    }

    @Override
    public void reserve(String accountId, Instant now) {
        Pass p = passes.getIfPresent(accountId);
        if (p == null || now.toEpochMilli() >= p.expiresAtMillis || !availability.available()) {
            return;
        }
        reservations.increment();
        try {
            Long taken = await(client.getScript(StringCodec.INSTANCE).<Long>evalAsync(passKey(accountId),
                    RScript.Mode.READ_WRITE, TAKE_PASS, RScript.ReturnType.LONG, List.of(passKey(accountId)))
                    .toCompletableFuture(), "take a request from a pass");
            if (taken != null && taken == 1) {
                p.reserved.incrementAndGet();
            } else {
                p.drained = true;
            }
        } catch (StoreUnavailableException e) {
            // nothing reserved: the request is challenged again
        }
    }

    @Override
    public ChallengeLedger outageFallback() {
        return fallback;
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> future, String what) {
        try {
            T result = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            availability.success();
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting to " + what, e);
        } catch (Exception e) {
            availability.failure(e);
            throw new StoreUnavailableException("could not " + what + " in Redis", e);
        }
    }

    /** Learns of passes granted on other replicas (once; Redisson re-subscribes after reconnects). */
    private synchronized void subscribe() {
        if (topic != null) {
            return;
        }
        try {
            RTopic t = client.getTopic(channel(), StringCodec.INSTANCE);
            RedisTopics.listen(t, String.class, (ch, message) -> received(message), this::readIndex, availability);
            topic = t;
        } catch (RuntimeException e) {
            availability.failure(e);
        }
    }

    /** Learns of every live pass in the index (asynchronously; never blocks the calling thread). */
    private void readIndex() {
        long now = clock.millis();
        client.<String>getScoredSortedSet(index(), StringCodec.INSTANCE)
                .entryRangeAsync(now, false, Double.POSITIVE_INFINITY, true)
                .whenComplete((entries, error) -> {
                    if (error != null) {
                        log.debug("pass index not read: {}", error.toString());
                        return;
                    }
                    for (ScoredEntry<String> e : entries) {
                        learn(e.getValue(), e.getScore().longValue());
                    }
                    indexReads.increment();
                });
    }

    /** A pass granted on another replica: known here from now on, with no request reserved yet. */
    private void learn(String accountId, long until) {
        passes.asMap().compute(accountId, (a, known) ->
                known != null && known.expiresAtMillis >= until ? known : new Pass(until, 0));
    }

    private void received(String message) {
        String[] parts = message.split("\\|", 3);
        if (parts.length != 3 || parts[0].equals(replicaId)) {
            return; // own grant: already applied locally, with the granting request's reservation
        }
        try {
            learn(parts[2], Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            log.warn("skipping an undecodable pass announcement");
        }
    }

    @Override
    public void close() {
        RedisTopics.unsubscribe(topic, "pass announcements");
    }
}
