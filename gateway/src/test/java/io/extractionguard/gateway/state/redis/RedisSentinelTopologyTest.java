package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestRedis;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * The store behind Redis Sentinel (a master, a replica and a sentinel, all real {@code redis-server}
 * processes): it finds the master through the sentinel, and after a failover it writes to the promoted
 * replica — verdicts still cross replicas and nothing written before the failover is lost.
 */
class RedisSentinelTopologyTest {

    private static final String MASTER_NAME = "guardmaster";
    private static RedisServer master;
    private static RedisServer replica;
    private static RedisSentinel sentinel;
    private static int masterPort;
    private static int replicaPort;
    private static int sentinelPort;

    @BeforeAll
    static void start() throws Exception {
        masterPort = TestRedis.freePort();
        replicaPort = TestRedis.freePort();
        sentinelPort = TestRedis.freePort();
        master = RedisServer.newRedisServer().bind("127.0.0.1").port(masterPort)
                .setting("save \"\"").setting("appendonly no").build();
        master.start();
        replica = RedisServer.newRedisServer().bind("127.0.0.1").port(replicaPort).slaveOf("127.0.0.1", masterPort)
                .setting("save \"\"").setting("appendonly no").build();
        replica.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> info(replicaPort, "replication").contains("master_link_status:up"));
        sentinel = RedisSentinel.newRedisSentinel().bind("127.0.0.1").port(sentinelPort).masterPort(masterPort)
                .masterName(MASTER_NAME).quorumSize(1).downAfterMilliseconds(2000).failOverTimeout(10000).build();
        sentinel.start();
        // the sentinel learns the replica from the master's INFO (every 10 s at first): a failover needs it
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", sentinelPort)) {
                return !jedis.sentinelReplicas(MASTER_NAME).isEmpty();
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (sentinel != null) {
            sentinel.stop();
        }
        if (replica != null) {
            replica.stop();
        }
        if (master != null) {
            master.stop();
        }
    }

    private static String info(int port, String section) {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            return jedis.info(section);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** A numeric field of the server's {@code INFO replication} (0 when absent or unreachable). */
    private static long replicationField(int port, String field) {
        return info(port, "replication").lines().filter(l -> l.startsWith(field + ":"))
                .map(l -> Long.parseLong(l.substring(field.length() + 1).trim())).findFirst().orElse(0L);
    }

    private static Verdict block(String reason) {
        return new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                "operator/test", List.of("operator/test"), reason);
    }

    @Test
    void theStoreFindsTheMasterThroughTheSentinelAndKeepsWorkingAfterAFailover() {
        try (RedisTestReplicas replicas = new RedisTestReplicas("redis://unused:1", "sentinel") {
            @Override
            void deleteKeys() {
                // the servers are thrown away after the test
            }
        }.with("topology", "sentinel").with("nodes", "redis://127.0.0.1:" + sentinelPort)
                .with("sentinel-master", MASTER_NAME)) {
            RedisState a = replicas.start();
            RedisState b = replicas.start();
            long t = System.currentTimeMillis();
            for (int i = 0; i < 6; i++) {
                (i % 2 == 0 ? a : b).store().observe("acct-before", RedisStateStoreTest.observation(t + i * 10L, i), 4);
            }
            Verdict before = block("before failover");
            a.store().putVerdict("acct-blocked-before", before);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(b.store().verdict("acct-blocked-before", Instant.now())).contains(before);
                assertThat(RedisStateStoreTest.total(b.store(), "acct-before")).isEqualTo(6);
            });
            assertThat(admittedOnBoth(a, b, "acct-limited-before")).as("the shared limit holds before the failover").isEqualTo(5);
            // everything written so far has reached the replica before the failover is asked for
            long offset = replicationField(masterPort, "master_repl_offset");
            await().atMost(Duration.ofSeconds(10)).until(() -> replicationField(replicaPort, "slave_repl_offset") >= offset);

            try (Jedis s = new Jedis("127.0.0.1", sentinelPort)) {
                s.sentinelFailover(MASTER_NAME);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> info(replicaPort, "replication").contains("role:master"));

            // Redis replicates asynchronously: until the sentinel has turned the old master into a replica and the
            // clients have switched, a write can still land on the old master and be lost with it (Redis's own
            // failover semantics; min-replicas-to-write narrows it). So the verdict is set again until the promoted
            // master holds it, which shows the clients have moved
            Verdict after = block("after failover");
            Verdict afterOnB = block("after failover, from b");
            try (Jedis promoted = new Jedis("127.0.0.1", replicaPort)) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    a.store().putVerdict("acct-blocked-after", after);
                    b.store().putVerdict("acct-blocked-after-b", afterOnB);
                    Thread.sleep(100);
                    assertThat(promoted.hexists(replicas.prefix + ":verdicts", "acct-blocked-after"))
                            .as("a writes to the promoted master").isTrue();
                    assertThat(promoted.hexists(replicas.prefix + ":verdicts", "acct-blocked-after-b"))
                            .as("b writes to the promoted master").isTrue();
                });
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.availability().available() && b.availability().available());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(b.store().verdict("acct-blocked-after", Instant.now())).contains(after));
            for (int i = 0; i < 4; i++) {
                (i % 2 == 0 ? a : b).store().observe("acct-after", RedisStateStoreTest.observation(t + 100 + i * 10L, i), 4);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(RedisStateStoreTest.total(a.store(), "acct-after")).isEqualTo(4);
                assertThat(RedisStateStoreTest.total(b.store(), "acct-after")).isEqualTo(4);
            });
            assertThat(b.store().verdict("acct-blocked-before", Instant.now())).as("kept across the failover").contains(before);
            try (Jedis promoted = new Jedis("127.0.0.1", replicaPort)) {
                assertThat(promoted.hexists(replicas.prefix + ":verdicts", "acct-blocked-before"))
                        .as("written before the failover, still there").isTrue();
            }
            assertThat(admittedOnBoth(a, b, "acct-limited-after")).as("the shared limit holds on the new master").isEqualTo(5);
            assertThat(a.availability().available() && b.availability().available()).isTrue();
        }
    }

    /** Ten requests alternating between the replicas against a limit of 5 per day (as in the cluster test). */
    private static int admittedOnBoth(RedisState a, RedisState b, String account) {
        TierLimits five = new TierLimits("free", 0, 5);
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += (i % 2 == 0 ? a : b).limiter().tryAcquire(account, five, 1.0).allowed() ? 1 : 0;
            sleep(50);
        }
        return admitted;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
