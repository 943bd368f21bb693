package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.extractionguard.gateway.support.TestRedis;

/** Imported indicators shared through Redis: replicated to every replica's local index, loaded at start, expiring. */
class RedisIndicatorRegistryTest {

    private RedisTestReplicas replicas;

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    private RedisIndicatorRegistry registry(RedisState state) {
        return replicas.closing(new RedisIndicatorRegistry(state.client(), state.keys(), state.availability(),
                Clock.systemUTC(), state.replica().value(), Duration.ofMillis(500), 0.5, Duration.ofSeconds(2)));
    }

    private static Indicator payment(String value, Instant until) {
        return new Indicator(StixBundles.newId(), Indicator.Kind.PAYMENT_FINGERPRINT, value, 90,
                Instant.now().minusSeconds(1), until, "Peer Lab", "identity--00000000-0000-4000-8000-000000000001", "");
    }

    private static List<String> values(List<Indicator> indicators) {
        return indicators.stream().map(Indicator::value).toList();
    }

    @Test
    void anImportOnOneReplicaReachesTheOthersIndexAndANewReplicaLoadsItAtStartUp() {
        replicas = new RedisTestReplicas(TestRedis.shared(), "indicators");
        RedisIndicatorRegistry a = registry(replicas.start());
        RedisIndicatorRegistry b = registry(replicas.start());
        a.put(List.of(payment("pf-shared", Instant.now().plus(Duration.ofHours(1)))), Instant.now());
        assertThat(values(a.index(Instant.now()).indicators())).as("the importing replica, at once").contains("pf-shared");
        long imported = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(1)).pollDelay(Duration.ZERO)
                .until(() -> values(b.index(Instant.now()).indicators()).contains("pf-shared"));
        System.out.printf("[measure] indicator import A->B index: %.1f ms%n", (System.nanoTime() - imported) / 1e6);

        RedisIndicatorRegistry late = registry(replicas.start());
        assertThat(values(late.all(Instant.now()))).as("loaded before the first request").contains("pf-shared");
    }

    @Test
    void expiredIndicatorsLeaveTheIndexAndTheSharedHash() throws InterruptedException {
        replicas = new RedisTestReplicas(TestRedis.shared(), "indicators-expiry");
        RedisState state = replicas.start();
        RedisIndicatorRegistry a = registry(state);
        a.put(List.of(payment("pf-brief", Instant.now().plusMillis(800)),
                payment("pf-long", Instant.now().plus(Duration.ofHours(1)))), Instant.now());
        assertThat(values(a.index(Instant.now()).indicators())).contains("pf-brief", "pf-long");
        Thread.sleep(900);
        assertThat(values(a.index(Instant.now()).indicators())).containsExactly("pf-long");

        registry(state); // a re-read drops expired indicators from Redis
        RedissonClient inspector = TestRedis.client(replicas.url);
        try {
            await().atMost(Duration.ofSeconds(2)).until(() ->
                    inspector.getMap(state.keys().global("indicators")).size() == 1);
            long ttl = inspector.getMap(state.keys().global("indicators")).remainTimeToLive();
            assertThat(ttl).as("the hash expires with its latest indicator").isBetween(1L, Duration.ofHours(1).toMillis());
        } finally {
            inspector.shutdown();
        }
    }

    @Test
    void anImportWhileRedisIsDownIsRefusedWholeAndChangesNothing() {
        replicas = RedisTestReplicas.onOwnRedis("indicators-outage");
        RedisState state = replicas.start();
        RedisIndicatorRegistry a = registry(state);
        a.put(List.of(payment("pf-before", Instant.now().plus(Duration.ofHours(1)))), Instant.now());
        replicas.owned.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !state.availability().available());

        assertThatThrownBy(() -> a.put(List.of(payment("pf-during", Instant.now().plus(Duration.ofHours(1)))),
                Instant.now())).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("nothing was imported");
        assertThat(values(a.all(Instant.now()))).containsExactly("pf-before");
    }
}
