package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RedissonClient;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Everything one replica needs to share state through Redis, assembled and closed in the right
 * order: the Redisson client, the availability monitor, the shared write-behind, the state store,
 * the rate limiter and the token limiter, all driven by one background thread ({@code guard-state-sync}). Closing
 * writes what is buffered and returns unused leases before the client shuts down.
 */
public final class RedisState implements AutoCloseable {

    private final ScheduledExecutorService scheduler;
    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final WriteBehind writer;
    private final RedisStateStore store;
    private final LeasedRateLimiter limiter;
    private final LeasedTokenLimiter tokens;
    private final ReplicaId replica;

    public RedisState(RedisStateProperties props, Duration accountIdleExpiry, Clock clock, MeterRegistry meters) {
        this.replica = ReplicaId.random();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-state-sync");
            t.setDaemon(true);
            return t;
        });
        this.client = RedisClientFactory.create(props, "extraction-guard-" + replica.value());
        this.keys = new RedisKeys(props.keyPrefix());
        this.availability = new RedisAvailability(client, keys, clock, props.sync().heartbeat(), meters);
        this.writer = new WriteBehind(client, availability, scheduler, props.sync(), props.timeout(), meters);
        RedisProfiles profiles = new RedisProfiles(client, keys, writer, availability, replica.value(), props, accountIdleExpiry, meters);
        RedisVerdicts verdicts = new RedisVerdicts(client, keys, writer, availability, clock, replica.value(), meters);
        this.store = new RedisStateStore(profiles, verdicts, writer, availability, scheduler, props.sync());
        this.limiter = new LeasedRateLimiter(client, keys, availability, clock, props, scheduler, meters);
        this.tokens = new LeasedTokenLimiter(client, keys, availability, clock, props, scheduler, meters);
        Duration startupWait = props.connectTimeout().plus(props.timeout());
        availability.probeNow(startupWait);
        availability.start(scheduler);
        store.start(startupWait);
    }

    public RedisStateStore store() {
        return store;
    }

    public LeasedRateLimiter limiter() {
        return limiter;
    }

    public LeasedTokenLimiter tokens() {
        return tokens;
    }

    public RedisAvailability availability() {
        return availability;
    }

    public RedisKeys keys() {
        return keys;
    }

    /** The shared batching writer, for further stores (e.g. campaign evidence) to queue their writes on. */
    public WriteBehind writer() {
        return writer;
    }

    /** This process's identity among the replicas (random per start). */
    public ReplicaId replica() {
        return replica;
    }

    public RedissonClient client() {
        return client;
    }

    @Override
    public void close() {
        try {
            limiter.close();
            tokens.close();
            store.close();
        } finally {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            client.shutdown();
        }
    }
}
