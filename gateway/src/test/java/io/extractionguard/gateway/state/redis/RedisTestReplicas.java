package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Replicas of the Redis state (no Spring) sharing one Redis and a key prefix unique to the test. */
class RedisTestReplicas implements AutoCloseable {

    final String url;
    final String prefix;
    /** The Redis these replicas own (outage tests), or null on the shared one. */
    final TestRedis.Owned owned;
    private final List<AutoCloseable> closeWithReplicas = new ArrayList<>();
    private final Map<String, String> settings = new HashMap<>();
    private final List<RedisState> started = new ArrayList<>();
    final List<SimpleMeterRegistry> meters = new ArrayList<>();

    RedisTestReplicas(String url, String what) {
        this(url, what, null);
    }

    /** Replicas on an embedded Redis of their own, which the test may stop and start; closed with them. */
    static RedisTestReplicas onOwnRedis(String what) {
        TestRedis.Owned owned = TestRedis.Owned.start();
        return new RedisTestReplicas(owned.url(), what, owned);
    }

    private RedisTestReplicas(String url, String what, TestRedis.Owned owned) {
        this.owned = owned;
        this.url = url;
        this.prefix = TestRedis.uniquePrefix(what);
        settings.put("guard.state.redis.address", url);
        settings.put("guard.state.redis.key-prefix", prefix);
        settings.put("guard.state.redis.sync.flush-interval", "20ms");
        settings.put("guard.state.redis.sync.stream-interval", "20ms");
        settings.put("guard.state.redis.sync.durable-interval", "20ms");
        settings.put("guard.state.redis.sync.stream-retention", "30s");
        settings.put("guard.state.redis.sync.durable-buckets", "8");
        settings.put("guard.state.redis.sync.heartbeat", "200ms");
        settings.put("guard.state.redis.timeout", "500ms");
        settings.put("guard.state.redis.connect-timeout", "500ms");
    }

    RedisTestReplicas with(String key, String value) {
        settings.put("guard.state.redis." + key, value);
        return this;
    }

    RedisStateProperties properties() {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("guard.state.redis", RedisStateProperties.class);
    }

    RedisState start() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisState state = new RedisState(properties(), Duration.ofDays(7), Clock.systemUTC(), registry);
        started.add(state);
        meters.add(registry);
        return state;
    }

    /** A replica's campaign store on {@code state}, started (the caller closes it). */
    static RedisCampaignStore campaignStore(RedisState state, int bufferRecords, Duration flushInterval,
                                            io.micrometer.core.instrument.MeterRegistry meters) {
        RedisCampaignStore store = new RedisCampaignStore(
                new io.extractionguard.engine.memory.InMemoryCampaignStore(java.time.Clock.systemUTC()), state.client(),
                state.keys(), state.availability(), state.replica().value(),
                new RedisStateProperties.Campaign(flushInterval, bufferRecords, Duration.ofMinutes(5), 16, 64),
                Duration.ofMillis(500), Duration.ofHours(1), java.time.Clock.systemUTC(), meters);
        store.start();
        return store;
    }

    void stop(RedisState state) {
        if (started.remove(state)) {
            state.close();
        }
    }

    /** Registers a component built on a replica's state, closed before the replicas. */
    <T extends AutoCloseable> T closing(T component) {
        closeWithReplicas.add(component);
        return component;
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeWithReplicas) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        new ArrayList<>(started).forEach(this::stop);
        if (owned != null && !owned.running()) {
            owned.startAgain(); // an outage test left it stopped; key clean-up needs it
        }
        deleteKeys();
        if (owned != null) {
            owned.stop();
        }
    }

    void deleteKeys() {
        TestRedis.deleteKeys(url, prefix);
    }
}
