package io.extractionguard.gateway.state.redis;

import static io.extractionguard.gateway.state.redis.RedisStateStoreTest.observation;
import static io.extractionguard.gateway.state.redis.RedisStateStoreTest.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.state.AccountProfile;

import io.extractionguard.gateway.support.TestRedis;
import redis.clients.jedis.Jedis;

/** Profiles shared through the change-log stream, with rare durable writes, against a real Redis. */
class RedisProfileStreamTest {

    private RedisTestReplicas replicas;

    @AfterEach
    void cleanUp() {
        if (replicas != null) {
            replicas.close();
        }
    }

    private RedisTestReplicas shared(String durable) {
        replicas = new RedisTestReplicas(TestRedis.shared(), "pstream")
                .with("sync.stream-interval", "100ms")
                .with("sync.durable-interval", durable)
                .with("sync.stream-retention", "2m");
        return replicas;
    }

    private AccountProfile stored(RedissonClient client, String account) {
        return StoredProfiles.stored(client, replicas.prefix, account);
    }

    @Test
    void observationsOnOneReplicaReachAnotherThroughTheStreamWithinTwoIntervalsBeforeAnyDurableWrite() {
        shared("1m");
        RedisState a = replicas.start();
        RedisState b = replicas.start();
        String account = "acct-live";
        assertThat(total(b.store(), account)).isZero(); // b holds the account (loads it) before a's changes
        await().atMost(Duration.ofSeconds(2)).until(() -> b.store().cachedAccounts() == 1);
        sleep(200);
        long t = System.currentTimeMillis();
        for (int i = 0; i < 7; i++) {
            a.store().observe(account, observation(t + i * 100L, i), 4);
        }
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .until(() -> total(b.store(), account) == 7);
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms until visible on b").isLessThan(1000);
        assertThat(stored(a.client(), account).totalRequests()).as("nothing durable yet").isZero();
        assertThat(replicas.meters.get(1).counter("guard.state.profile_stream.applied").count()).isPositive();
    }

    @Test
    void aColdLoadAddsTheStreamChangesAfterTheRecordsMarksExactlyOnce() {
        shared("4s");
        RedisState a = replicas.start();
        String account = "acct-cold";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            a.store().observe(account, observation(t + i * 100L, i), 4);
        }
        await().atMost(Duration.ofSeconds(8)).until(() -> stored(a.client(), account).totalRequests() == 5);
        for (int i = 5; i < 9; i++) {
            a.store().observe(account, observation(t + i * 100L, i), 4);
        }
        sleep(400); // shipped in the stream; durable only ~4 s after
        assertThat(stored(a.client(), account).totalRequests()).as("the record holds the first five only").isEqualTo(5);

        RedisState c = replicas.start(); // reads the retained stream at start-up, then loads the hash
        total(c.store(), account);
        await().atMost(Duration.ofSeconds(2)).until(() -> total(c.store(), account) == 9);
        await().atMost(Duration.ofSeconds(8)).until(() -> stored(a.client(), account).totalRequests() == 9);
        RedisState d = replicas.start(); // the hash has everything now; the stream's copies must not count again
        total(d.store(), account);
        await().atMost(Duration.ofSeconds(2)).until(() -> total(d.store(), account) > 0);
        sleep(300);
        assertThat(total(d.store(), account)).isEqualTo(9);
        assertThat(total(c.store(), account)).isEqualTo(9);
    }

    @Test
    void aGracefulShutdownWritesEverythingDurablyAndARestartCountsItOnce() {
        shared("1m");
        RedisState first = replicas.start();
        String account = "acct-graceful";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 12; i++) {
            first.store().observe(account, observation(t + i * 100L, i), 4);
        }
        replicas.stop(first);
        RedisState second = replicas.start();
        assertThat(stored(second.client(), account).totalRequests()).as("written at shutdown").isEqualTo(12);
        total(second.store(), account);
        await().atMost(Duration.ofSeconds(2)).until(() -> total(second.store(), account) > 0);
        sleep(300);
        assertThat(total(second.store(), account)).isEqualTo(12);
    }

    @Test
    void steadyLightTrafficCostsFarLessThanOneRedisCommandPerTenObservations() {
        replicas = RedisTestReplicas.onOwnRedis("pstream-cost")
                .with("sync.stream-interval", "1s")
                .with("sync.durable-interval", "1m")
                .with("sync.stream-retention", "2m");
        RedisState a = replicas.start();
        RedisState b = replicas.start();
        RedisState[] both = {a, b};
        int accounts = 200;
        long t = System.currentTimeMillis();
        long[] sent = new long[accounts]; // observations per account, as sent
        for (int i = 0; i < accounts * 2; i++) { // warm-up: every account loaded on both replicas
            both[i % 2].store().observe("acct-" + (i / 2), observation(t, i), 4);
            sent[i / 2]++;
        }
        sleep(1500);
        URI uri = URI.create(replicas.url);
        try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            jedis.configResetStat();
            int observations = 0;
            long started = System.nanoTime();
            while (System.nanoTime() - started < 5_000_000_000L) { // ~400/s over 200 accounts: 2 per account per second
                for (int i = 0; i < 40; i++) {
                    both[observations % 2].store().observe("acct-" + (observations % accounts),
                            observation(t + observations, observations), 4);
                    sent[observations % accounts]++;
                    observations++;
                }
                sleep(100);
            }
            sleep(1200);
            Map<String, Long> calls = RedisCampaignSyncCostTest.commandStats(jedis);
            long commands = calls.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("[measure] profile stream, 2 replicas, %d observations of %d accounts in 5 s: %s = %.4f "
                    + "commands per observation%n", observations, accounts, calls, commands / (double) observations);
            assertThat(calls.getOrDefault("xadd", 0L)).as("one batch per replica and second").isBetween(2L, 2L * 7);
            assertThat(commands / (double) observations).isLessThan(0.1);
        }
        // convergence is another test's subject (< 1 s when the machine is idle); here only that nothing is lost:
        // both replicas count every observation sent. Against what was sent, not a constant: the loop sends 40 every
        // 100 ms for 5 s, so fewer on a loaded machine (1800 at load 41, where the old constant 12 for acct-7 saw 11
        // on both replicas, nothing lost; a 3 s bound had "failed at load 7" the same way)
        long expected = sent[7];
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(total(b.store(), "acct-7")).isEqualTo(total(a.store(), "acct-7")).isEqualTo(expected));
    }

    @Test
    void theDurableWritesOfManyAccountsCostAboutOneScriptCallPerBucketAndKeepEverything() {
        replicas = RedisTestReplicas.onOwnRedis("pstream-buckets")
                .with("sync.stream-interval", "100ms")
                .with("sync.durable-interval", "1s")
                .with("sync.stream-retention", "2m");
        RedisState a = replicas.start();
        int accounts = 200;
        long t = System.currentTimeMillis();
        URI uri = URI.create(replicas.url);
        try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            for (int i = 0; i < accounts; i++) { // first sight: loaded, then written once
                a.store().observe("acct-" + i, observation(t, i), 4);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> stored(a.client(), "acct-" + (accounts - 1)).totalRequests() == 1);
            sleep(1500);
            jedis.configResetStat();
            for (int i = 0; i < accounts; i++) {
                a.store().observe("acct-" + i, observation(t + 1, i), 4);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> java.util.stream.IntStream.range(0, accounts)
                    .allMatch(i -> stored(a.client(), "acct-" + i).totalRequests() == 2));
            Map<String, Long> calls = RedisCampaignSyncCostTest.commandStats(jedis);
            System.out.printf("[measure] durable writes of %d accounts in %d buckets: %s%n", accounts,
                    StoredProfiles.BUCKETS, calls);
            long scripts = calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L);
            assertThat(scripts).as("one script call per bucket and interval (a bucket may straddle two)")
                    .isBetween((long) StoredProfiles.BUCKETS, 2L * StoredProfiles.BUCKETS);
            assertThat(calls.getOrDefault("hset", 0L)).as("one HSET per script call").isEqualTo(scripts);
            assertThat(calls.getOrDefault("hmget", 0L)).as("one HMGET per script call").isEqualTo(scripts);
        }
        assertThat(replicas.meters.get(0).counter("guard.state.profile_records.refused").count()).isZero();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
