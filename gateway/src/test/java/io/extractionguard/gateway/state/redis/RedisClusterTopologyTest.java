package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestRedis;
import redis.embedded.RedisShardedCluster;

/**
 * The store on a real Redis Cluster (three embedded masters): every script touches one hash-tagged
 * key, verdict changes are published cluster-wide, buckets work — no CROSSSLOT or MOVED surprises.
 */
class RedisClusterTopologyTest {

    private static RedisShardedCluster cluster;
    private static String nodes;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisShardedCluster.newRedisCluster()
                .withServerBuilder(redis.embedded.RedisServer.newRedisServer().bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no"))
                .serverPorts(TestRedis.freeClusterPorts(3))
                .shard("a", 0).shard("b", 0).shard("c", 0)
                .initializationTimeout(Duration.ofSeconds(20))
                .build();
        cluster.start();
        // start() returns once the slots are assigned; the nodes may not all report the cluster as up yet
        // (a replica connecting then got CLUSTERDOWN once): wait until every node does
        for (int port : cluster.serverPorts()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
                    return jedis.clusterInfo().contains("cluster_state:ok");
                }
            });
        }
        nodes = cluster.serverPorts().stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.stop();
        }
    }

    /**
     * Replicas on the cluster. Their Redis timeout is 3 s, not the 500 ms of the other Redis tests: this class tests
     * routing (every error counts), and on a starved machine a 500 ms timeout (or a start-up connection that timed
     * out, which Redisson re-establishes only at its next cluster scan: 10 s measured) puts a replica in local-only
     * mode by design, which is what the outage tests are for.
     */
    private static RedisTestReplicas onCluster(String what) {
        return new RedisTestReplicas("redis://unused:1", what) {
            @Override
            void deleteKeys() {
                // the cluster is thrown away after the test
            }
        }.with("topology", "cluster").with("nodes", nodes).with("timeout", "3s").with("connect-timeout", "3s")
                .with("sync.durable-buckets", "32");
    }

    /** Each replica's availability and error counts, for failure messages. */
    private static String health(RedisTestReplicas replicas, RedisState... states) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < states.length; i++) {
            var m = replicas.meters.get(i);
            out.append(i == 0 ? "A" : "B").append(": shared=").append(states[i].store().shared())
                    .append(" outages=").append(m.counter("guard.state.outages").count())
                    .append(" errors=").append(m.counter("guard.state.redis.errors").count())
                    .append(" last error=").append(states[i].availability().lastError()).append("; ");
        }
        return out.toString();
    }

    @Test
    void profilesVerdictsAndLimitsWorkAcrossShards() {
        try (RedisTestReplicas replicas = onCluster("cluster")) {
            RedisState a = replicas.start();
            RedisState b = replicas.start();
            long t = System.currentTimeMillis();
            // accounts spread over the slots of all three masters
            for (int account = 0; account < 30; account++) {
                for (int i = 0; i < 5; i++) {
                    (i % 2 == 0 ? a : b).store().observe("acct-" + account, RedisStateStoreTest.observation(t + i * 10L, i), 4);
                }
            }
            Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                    "operator/test", List.of("operator/test"), "");
            a.store().putVerdict("acct-7", block);
            // converges in ~0.3 s; the rest of the budget is for a loaded machine
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(b.store().verdict("acct-7", Instant.now())).as(health(replicas, a, b)).contains(block);
                for (int account = 0; account < 30; account++) {
                    assertThat(RedisStateStoreTest.total(a.store(), "acct-" + account))
                            .as("acct-%d's observations on A (3 its own, 2 B's); %s", account, health(replicas, a, b))
                            .isEqualTo(5);
                }
            });
            // durable records: each account's in its bucket hash, the buckets on every master, one script call per bucket
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                for (int account = 0; account < 30; account++) {
                    assertThat(a.store().storedProfile("acct-" + account).get().totalRequests()).isEqualTo(5);
                }
            });
            for (int port : cluster.serverPorts()) {
                try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
                    assertThat(jedis.keys(replicas.prefix + ":{pd:*")).as("profile buckets on master %d", port).isNotEmpty();
                }
            }
            TierLimits five = new TierLimits("free", 0, 5);
            int admitted = 0;
            for (int i = 0; i < 10; i++) {
                admitted += (i % 2 == 0 ? a : b).limiter().tryAcquire("acct-3", five, 1.0).allowed() ? 1 : 0;
                sleep(50);
            }
            // exactly 5 when each replica's first lease answers within 50 ms; on a loaded machine a replica may admit up
            // to one small lease ahead of Redis on first sight of the account (documented in LeasedRateLimiter), no more
            double ahead = replicas.meters.get(0).counter("guard.state.limits.provisional").count()
                    + replicas.meters.get(1).counter("guard.state.limits.provisional").count();
            assertThat(admitted).as("admitted of 10 (%s admitted ahead of Redis); %s", ahead, health(replicas, a, b))
                    .isBetween(5, 5 + (int) ahead);
            assertThat(a.availability().available()).isTrue();
            assertThat(replicas.meters.get(0).counter("guard.state.redis.errors").count()).as(health(replicas, a, b)).isZero();
        }
    }

    @Test
    void campaignEvidenceSpreadsOverTheShardsAndReachesTheOtherReplica() {
        try (RedisTestReplicas replicas = new RedisTestReplicas("redis://unused:1", "cluster-campaign") {
            @Override
            void deleteKeys() {
                // the cluster is thrown away after the test
            }
        }.with("topology", "cluster").with("nodes", nodes)) {
            RedisState a = replicas.start();
            RedisState b = replicas.start();
            io.micrometer.core.instrument.simple.SimpleMeterRegistry metersB = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            try (RedisCampaignStore storeA = RedisTestReplicas.campaignStore(a, 10_000, Duration.ofMillis(100),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
                 RedisCampaignStore storeB = RedisTestReplicas.campaignStore(b, 10_000, Duration.ofMillis(100), metersB)) {
                long now = System.currentTimeMillis();
                // 30 cards, three suspects each, on A only: values (and accounts) hash to slots of all three masters
                for (int card = 1; card <= 30; card++) {
                    for (int s = 0; s < 3; s++) {
                        RedisCampaignOutageTest.suspect(storeA, card * 1000L + s, card, now);
                    }
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> storeA.pending() == 0);
                // B touches each card once (a fresh account), then sees A's three suspects on it
                for (int card = 1; card <= 30; card++) {
                    long[] values = new long[io.extractionguard.engine.campaign.IndicatorKind.count()];
                    values[io.extractionguard.engine.campaign.IndicatorKind.PAYMENT.ordinal()] = card;
                    storeB.observeIndicators(0x7000_0000_0000L + card, values, 0, 3_600_000, now + 1);
                }
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    for (int card = 1; card <= 30; card++) {
                        assertThat(RedisCampaignOutageTest.otherSuspicion(storeB.local(), card, now + 2))
                                .as("card %d on B", card).isEqualTo(3);
                    }
                });
                for (int port : cluster.serverPorts()) {
                    try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
                        assertThat(jedis.dbSize()).as("campaign keys on the master at %d", port).isPositive();
                    }
                }
                assertThat(storeB.sharedValues(3, 100)).as("B's listing reads every shard").hasSizeGreaterThanOrEqualTo(30);
                assertThat(metersB.get("guard.campaign.sync.decode.errors").counter().count()).isZero();
                assertThat(replicas.meters.get(1).counter("guard.state.redis.errors").count()).isZero();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
