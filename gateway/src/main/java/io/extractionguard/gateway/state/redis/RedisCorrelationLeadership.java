package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.spi.CorrelationLeadership;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The correlation lease in Redis: one key ({@code {prefix}:campaign-leader}) holding the id of the
 * replica that runs correlation, with an expiry of {@code leader-lease}. Every tick each replica
 * either renews the lease it holds or tries to take a free one ({@code SET NX PX}); neither waits
 * for another replica. A leader that dies stops renewing and is replaced within one lease; one
 * that shuts down releases the lease at once. Owner checks are scripts (renew and release only
 * if the key still names this replica), so a replica whose lease expired while it was paused can
 * never extend or delete its successor's.
 *
 * <p>Called only from the correlation thread (it blocks up to the Redis timeout, never on an event
 * loop). While Redis is unreachable no replica leads: correlation pauses, and the request path
 * computes rarity itself from the values' sample sizes, as for values the correlator has not reached.
 */
public final class RedisCorrelationLeadership implements CorrelationLeadership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCorrelationLeadership.class);

    /** KEYS[1] lease; ARGV: replica, lease ms. Returns 1 when this replica holds the lease afterwards. */
    static final String ACQUIRE_OR_RENEW = """
            local holder = redis.call('GET', KEYS[1])
            if holder == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            if not holder then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return 0
            """;

    /** KEYS[1] lease; ARGV: replica. Deletes the lease only if this replica holds it. */
    static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private final RedissonClient client;
    private final String key;
    private final String replica;
    private final RedisAvailability availability;
    private final long leaseMillis;
    private final long timeoutMillis;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final Counter acquired;
    private volatile boolean closed;

    public RedisCorrelationLeadership(RedissonClient client, RedisKeys keys, String replica,
                                      RedisAvailability availability, Duration lease, Duration timeout,
                                      MeterRegistry meters) {
        if (lease.toMillis() < 1) {
            throw new IllegalArgumentException("guard.state.redis.campaign.leader-lease must be positive, was " + lease);
        }
        this.client = client;
        this.key = keys.campaignLeader();
        this.replica = replica;
        this.availability = availability;
        this.leaseMillis = lease.toMillis();
        this.timeoutMillis = timeout.toMillis();
        this.acquired = Counter.builder("guard.campaign.leadership.acquired")
                .description("Times this replica took the correlation lease").register(meters);
        Gauge.builder("guard.campaign.leader", leader, l -> l.get() ? 1 : 0)
                .description("1 while this replica holds the correlation lease (runs correlation), else 0")
                .register(meters);
    }

    @Override
    public boolean runIfLeader(Runnable job) {
        if (closed || !holdLease()) {
            return false;
        }
        job.run();
        return true;
    }

    /** Whether this replica holds the lease (checked in Redis, renewing or taking it). */
    boolean holdLease() {
        boolean held = false;
        if (availability.available()) {
            try {
                Long r = client.getScript(StringCodec.INSTANCE).<Long>evalAsync(key, RScript.Mode.READ_WRITE,
                                ACQUIRE_OR_RENEW, RScript.ReturnType.LONG, List.<Object>of(key), replica, Long.toString(leaseMillis))
                        .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
                availability.success();
                held = r != null && r == 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                availability.failure(e);
            }
        }
        if (held && leader.compareAndSet(false, true)) {
            acquired.increment();
            log.info("campaign correlation: this replica ({}) now holds the correlation lease", replica);
        } else if (!held && leader.compareAndSet(true, false)) {
            log.info("campaign correlation: this replica ({}) no longer holds the correlation lease", replica);
        }
        return held;
    }

    /** Whether this replica held the lease at its last check. */
    public boolean isLeader() {
        return leader.get();
    }

    /** Releases the lease if held, so another replica takes over on its next tick. */
    @Override
    public void close() {
        closed = true;
        if (!leader.getAndSet(false)) {
            return;
        }
        try {
            client.getScript(StringCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE, RELEASE,
                            RScript.ReturnType.LONG, List.<Object>of(key), replica)
                    .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("correlation lease not released ({}); it expires within {} ms", e.toString(), leaseMillis);
        }
    }
}
