package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.gateway.state.StoreAvailability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Tracks whether Redis answers. Every Redis operation of the store reports its outcome here; when
 * nothing succeeded for a heartbeat interval a cheap probe ({@code EXISTS} on the verdict hash) is
 * sent. A failure marks Redis down at once (one log line, {@code guard.state.outages} counted);
 * the next success marks it up again and runs the recovery listeners (flush the outage buffer,
 * re-read verdicts). Nothing here blocks: probes are asynchronous.
 */
public final class RedisAvailability implements StoreAvailability {

    private static final Logger log = LoggerFactory.getLogger(RedisAvailability.class);

    private final RedissonClient client;
    private final String probeKey;
    private final Clock clock;
    private final long heartbeatNanos;
    private final AtomicReference<Instant> downSince = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final AtomicLong lastSuccessNanos = new AtomicLong(System.nanoTime());
    private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
    private final Counter outages;
    private final Counter errors;
    private volatile boolean probing;

    public RedisAvailability(RedissonClient client, RedisKeys keys, Clock clock, Duration heartbeat, MeterRegistry meters) {
        this.client = client;
        this.probeKey = keys.verdicts();
        this.clock = clock;
        this.heartbeatNanos = heartbeat.toNanos();
        this.outages = Counter.builder("guard.state.outages")
                .description("Times the shared state store became unreachable").register(meters);
        this.errors = Counter.builder("guard.state.redis.errors")
                .description("Failed Redis operations of the state store").register(meters);
        Gauge.builder("guard.state.mode", this, a -> a.available() ? 1 : 0)
                .description("1 while state is shared through Redis, 0 while serving from local state (Redis unreachable)")
                .tag("store", "redis")
                .register(meters);
    }

    /** Starts the heartbeat on the store's scheduler. */
    public void start(ScheduledExecutorService scheduler) {
        long period = Math.max(1, heartbeatNanos / 2);
        scheduler.scheduleWithFixedDelay(this::heartbeat, period, period, TimeUnit.NANOSECONDS);
    }

    /** Registers work to run (on a Redisson thread) each time Redis becomes reachable again. */
    public void onRecovery(Runnable listener) {
        recoveryListeners.add(listener);
    }

    @Override
    public boolean available() {
        return downSince.get() == null;
    }

    /** When Redis became unreachable, or null while it is up. */
    public Instant downSince() {
        return downSince.get();
    }

    public String lastError() {
        return lastError.get();
    }

    public void success() {
        lastSuccessNanos.set(System.nanoTime());
        Instant since = downSince.getAndSet(null);
        if (since != null) {
            log.warn("Redis is reachable again after {} ms: flushing buffered state changes and re-reading verdicts",
                    Duration.between(since, clock.instant()).toMillis());
            for (Runnable r : recoveryListeners) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("state store recovery step failed", e);
                }
            }
        }
    }

    public void failure(Throwable error) {
        errors.increment();
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        lastError.set(root.getClass().getSimpleName() + ": " + root.getMessage());
        if (downSince.compareAndSet(null, clock.instant())) {
            outages.increment();
            log.error("Redis is unreachable ({}): serving from local state; changes are buffered until it returns "
                    + "(routes with redis-outage: fail-closed answer 503)", lastError.get());
        }
    }

    /**
     * Probes Redis now and waits up to {@code timeout} (start-up only, on the main thread): the lazy
     * client connects here, so no request thread ever waits for a first connection.
     */
    public boolean probeNow(Duration timeout) {
        try {
            client.getBucket(probeKey, StringCodec.INSTANCE).isExistsAsync()
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            success();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure(e);
            return false;
        } catch (Exception e) {
            failure(e);
            return false;
        }
    }

    private void heartbeat() {
        if (probing || System.nanoTime() - lastSuccessNanos.get() < heartbeatNanos) {
            return;
        }
        probing = true;
        try {
            // on this (the store's) thread: a client that never connected connects here, blocking at most connect-timeout
            client.getBucket(probeKey, StringCodec.INSTANCE).isExistsAsync().whenComplete((exists, error) -> {
                probing = false;
                if (error != null) {
                    failure(error);
                } else {
                    success();
                }
            });
        } catch (RuntimeException e) {
            probing = false;
            failure(e);
        }
    }
}
