package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.gateway.support.TestRedis;

/** The leased limiter of two replicas against a real Redis, without HTTP in between. */
class LeasedRateLimiterTest {

    private final RedisTestReplicas replicas = new RedisTestReplicas(TestRedis.shared(), "limiter");

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    /** Four threads, two per replica, each trying about once a millisecond for {@code nanos}. */
    static long hammer(LeasedRateLimiter a, LeasedRateLimiter b, TierLimits limits, String account, long nanos)
            throws InterruptedException {
        AtomicLong admitted = new AtomicLong();
        long end = System.nanoTime() + nanos;
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            LeasedRateLimiter l = i % 2 == 0 ? a : b;
            threads[i] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    if (l.tryAcquire(account, limits, 1.0).allowed()) {
                        admitted.incrementAndGet();
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return admitted.get();
    }

    @Test
    void twoReplicasHammeringOneAccountAdmitTheBucketsCapacityPlusItsRefillAndNoMore() throws Exception {
        LeasedRateLimiter a = replicas.start().limiter();
        LeasedRateLimiter b = replicas.start().limiter();
        TierLimits limits = new TierLimits("free", 600, 0); // 10 per second, burst 600
        long started = System.nanoTime();
        long burst = hammer(a, b, limits, "acct-hot", 4_000_000_000L);
        assertThat(burst).as("a full bucket and 4 s of refill").isBetween(600L, (long) (640 * 1.05));

        long drained = hammer(a, b, limits, "acct-hot", 6_000_000_000L);
        // the refill from the burst's deadline to the last try: 6 s, plus the time the burst's threads took to stop and
        // the last tries ran late (a full run at load 25 admitted 64 against a fixed bound of 63)
        double refill = 10 * ((System.nanoTime() - started) / 1e9 - 4);
        System.out.printf("[measure] leased limiter, 2 replicas, 600/min: %d admitted in 4 s from full, %d in the next 6 s "
                + "(refill: %.1f)%n", burst, drained, refill);
        assertThat(drained).isBetween(54L, (long) (refill * 1.05));
    }

    @Test
    void aLightAccountFarFromItsLimitCostsOneLeasePerManyRequests() {
        LeasedRateLimiter a = replicas.start().limiter();
        TierLimits limits = new TierLimits("free", 600, 0); // small lease 6, large lease 60
        int admitted = 0;
        for (int i = 0; i < 200; i++) {
            // a light account: each request comes after Redis answered the last lease request. Paced by the clock
            // instead (5 ms apart), the requests outran the lease on a loaded machine, whose round trip took longer
            // than the held tokens and the one lease admitted ahead lasted: 184 of 200 admitted at load 40
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                    .until(() -> !a.leasing("acct-light", limits));
            admitted += a.tryAcquire("acct-light", limits, 1.0).allowed() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(200);
        double leases = replicas.meters.get(0).counter("guard.state.limits.leases").count();
        // first sight: one small lease (6); then the bucket is more than half full, so large leases (60),
        // fetched when fewer than 6 remain: 1 + ceil((200 - 6) / 54) = 5; the small-lease limiter needed ~66
        assertThat(leases).as("leases for 200 requests").isBetween(3.0, 6.0);
        assertThat(replicas.meters.get(0).counter("guard.state.limits.provisional").count())
                .as("admitted ahead of Redis: the first request only; every later lease was fetched before the "
                        + "held tokens ran out").isEqualTo(1.0);
        assertThat(replicas.meters.get(0).counter("guard.state.limits.returned").count())
                .as("nothing returned while the account keeps sending").isZero();
    }

    @Test
    void unusedLeasesGoBackSoAnotherReplicaCanUseTheWholeLimit() {
        replicas.with("limits.idle-return", "200ms").with("limits.lease-fraction", "0.5");
        LeasedRateLimiter a = replicas.start().limiter();
        LeasedRateLimiter b = replicas.start().limiter();
        TierLimits limits = new TierLimits("free", 0, 20); // 20 per day: nothing refills during the test
        assertThat(a.tryAcquire("acct-moving", limits, 1.0).allowed()).isTrue();
        // A leased half the limit (10) for that one request; it goes back once A is idle
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(replicas.meters.get(0).counter("guard.state.limits.returned").count()).isPositive());
        long admitted = 0;
        for (int i = 0; i < 200 && admitted < 25; i++) {
            LimitOutcome o = b.tryAcquire("acct-moving", limits, 1.0);
            if (o.allowed()) {
                admitted++;
            }
            sleep(5);
        }
        assertThat(admitted).as("the other replica gets the rest of the day's 20").isEqualTo(19);
    }

    @Test
    void refusalsTellWhenToRetry() throws Exception {
        LeasedRateLimiter a = replicas.start().limiter();
        TierLimits limits = new TierLimits("free", 60, 0);
        LimitOutcome last = null;
        int admitted = 0;
        for (int i = 0; i < 300 && admitted < 60; i++) {
            last = a.tryAcquire("acct-retry", limits, 1.0);
            admitted += last.allowed() ? 1 : 0;
            sleep(2);
        }
        for (int i = 0; i < 50 && last.allowed(); i++) {
            last = a.tryAcquire("acct-retry", limits, 1.0);
            sleep(2);
        }
        assertThat(last.allowed()).isFalse();
        assertThat(last.retryAfterSeconds()).isBetween(1L, 2L);
        assertThat(last.limit()).isEqualTo(60);
        assertThat(last.windowSeconds()).isEqualTo(60);
        assertThat(last.remaining()).isZero();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
