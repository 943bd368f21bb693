package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestRedis;

/** The store while its own Redis is stopped and started again (an embedded Redis this test owns). */
class RedisOutageStoreTest {

    private final TestRedis.Owned redis = TestRedis.Owned.start();
    private final RedisTestReplicas replicas = new RedisTestReplicas(redis.url(), "outage");

    @AfterEach
    void cleanUp() {
        replicas.close();
        redis.stop();
    }

    private void outage(RedisState state) {
        redis.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !state.availability().available());
    }

    private void recovery(RedisState state) {
        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).until(() -> state.availability().available());
    }

    @Test
    void changesMadeDuringAnOutageAreServedLocallyAndReachRedisWhenItReturns() {
        RedisState a = replicas.start();
        String account = "acct-during";
        long t = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            a.store().observe(account, RedisStateStoreTest.observation(t + i, i), 4);
        }
        RedissonClient inspector = TestRedis.client(redis.url());
        try {
            await().atMost(Duration.ofSeconds(3)).until(() -> StoredProfiles.stored(inspector, replicas.prefix, account).totalRequests() == 5);
        } finally {
            inspector.shutdown();
        }

        outage(a);
        assertThat(replicas.meters.get(0).get("guard.state.mode").gauge().value()).isZero();
        for (int i = 5; i < 12; i++) {
            a.store().observe(account, RedisStateStoreTest.observation(t + i, i), 4);
        }
        Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                "band/block", List.of("cot-elicitation"), "");
        a.store().putVerdict("acct-blocked-meanwhile", block);
        assertThat(a.store().verdict("acct-blocked-meanwhile", Instant.now())).contains(block);
        assertThat(RedisStateStoreTest.total(a.store(), account)).as("served from local state").isEqualTo(12);
        assertThat(a.store().unwritten()).as("buffered").isGreaterThanOrEqualTo(2);

        recovery(a);
        RedisState b = replicas.start();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(b.store().verdict("acct-blocked-meanwhile", Instant.now())).contains(block);
            assertThat(RedisStateStoreTest.total(b.store(), account)).isEqualTo(12);
        });
        assertThat(a.store().unwritten()).isZero();
        assertThat(replicas.meters.get(0).counter("guard.state.outages").count()).isEqualTo(1);
    }

    @Test
    void aReplicaStartsWithoutRedisAndCatchesUpWhenRedisAppears() {
        redis.stop();
        RedisState a = replicas.start(); // lazy client: start-up does not need Redis
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.availability().available());
        a.store().observe("acct-early", RedisStateStoreTest.observation(System.currentTimeMillis(), 1), 4);
        Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                "operator/test", List.of("operator/test"), "");
        a.store().putVerdict("acct-early", block);

        recovery(a);
        RedisState b = replicas.start();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(b.store().verdict("acct-early", Instant.now())).contains(block);
            assertThat(RedisStateStoreTest.total(b.store(), "acct-early")).isEqualTo(1);
        });
    }

    @Test
    void whatOverflowsTheOutageBufferIsCountedAndWrittenWithTheAccountsNextChange() {
        replicas.with("sync.buffer-accounts", "3");
        RedisState a = replicas.start();
        outage(a);
        long t = System.currentTimeMillis();
        for (int i = 0; i < 6; i++) {
            a.store().observe("acct-" + i, RedisStateStoreTest.observation(t, i), 4);
        }
        assertThat(replicas.meters.get(0).counter("guard.state.buffer.overflow").count()).isEqualTo(3);
        assertThat(a.store().unwritten()).isEqualTo(3);

        recovery(a);
        for (int i = 0; i < 6; i++) {
            a.store().observe("acct-" + i, RedisStateStoreTest.observation(t + 1, i), 4);
        }
        RedisState b = replicas.with("sync.buffer-accounts", "1000").start();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int i = 0; i < 6; i++) {
                assertThat(RedisStateStoreTest.total(b.store(), "acct-" + i)).as("acct-" + i).isEqualTo(2);
            }
        });
    }

    @Test
    void duringAnOutageEachReplicaEnforcesTheLimitLocallyAndWhatItAdmittedIsChargedAfterwards() {
        replicas.with("limits.idle-return", "200ms");
        RedisState a = replicas.start();
        TierLimits tenPerDay = new TierLimits("free", 0, 10);
        int before = 0;
        for (int i = 0; i < 4; i++) {
            before += a.limiter().tryAcquire("acct-limited", tenPerDay, 1.0).allowed() ? 1 : 0;
            sleep(100); // lets each lease arrive (the first one of a cold JVM takes tens of ms)
        }
        assertThat(before).isEqualTo(4);

        outage(a);
        int during = 0;
        for (int i = 0; i < 5; i++) {
            during += a.limiter().tryAcquire("acct-limited", tenPerDay, 1.0).allowed() ? 1 : 0;
        }
        // what it held, then what the shared bucket had left at its last answer: never more than the day has left
        assertThat(during).as("admitted locally during the outage").isBetween(1, 10 - before);

        recovery(a);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(replicas.meters.get(0).counter("guard.state.limits.returned").count()).isPositive());
        sleep(300); // the debt is charged by the same background pass
        LeasedRateLimiter b = replicas.start().limiter();
        int after = 0;
        for (int i = 0; i < 10; i++) {
            after += b.tryAcquire("acct-limited", tenPerDay, 1.0).allowed() ? 1 : 0;
            sleep(20);
        }
        assertThat(before + during + after).as("the day's 10 are not exceeded because of the outage").isEqualTo(10);
    }

    @Test
    void anAccountThatHadEmptiedTheSharedBucketGetsNoFreshBucketDuringAnOutage() {
        RedisState a = replicas.start();
        TierLimits tenPerDay = new TierLimits("free", 0, 10);
        int before = 0;
        for (int i = 0; i < 14; i++) {
            before += a.limiter().tryAcquire("acct-emptied", tenPerDay, 1.0).allowed() ? 1 : 0;
            sleep(50); // each lease arrives before the next request
        }
        assertThat(before).as("the day's 10, then refusals").isBetween(10, 11); // first sight may run one ahead

        outage(a);
        int during = 0;
        for (int i = 0; i < 10; i++) {
            during += a.limiter().tryAcquire("acct-emptied", tenPerDay, 1.0).allowed() ? 1 : 0;
        }
        // a fresh local bucket would admit all 10 again; the last answer said the shared bucket was empty
        assertThat(during).as("admitted during the outage").isZero();
        assertThat(a.limiter().wouldAdmit("acct-emptied", tenPerDay, 1.0)).isFalse();
        // an account this replica never had an answer about is still served by a local bucket of the tier's size
        assertThat(a.limiter().tryAcquire("acct-unknown", tenPerDay, 1.0).allowed()).isTrue();
        recovery(a);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
